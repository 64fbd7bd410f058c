/* When a callback (a live-feed poll, say) finds the session ended, say why in a modal and
   offer the login with next= this page, instead of leaving a silently frozen page. The guard
   answers such a request with 401 and {signed_out, message} (dashboards/guard.py). */
(function () {
    "use strict";
    var DISPATCH = "/_dash-update-component";
    var shown = false;
    var originalFetch = window.fetch.bind(window);

    function element(tag, attributes, children) {
        var node = document.createElement(tag);
        Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
        (children || []).forEach(function (child) {
            node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
        });
        return node;
    }

    function stopPolling() {
        try {
            window.dash_clientside.set_props("feed-interval", {disabled: true});
        } catch (error) {
            /* this page has no live feed */
        }
    }

    function showSignedOut(message) {
        if (shown) {
            return;
        }
        shown = true;
        stopPolling();
        var next = window.location.pathname + window.location.search;
        var link = element("a", {"class": "btn btn-primary", id: "session-ended-login",
                                 href: "/login?next=" + encodeURIComponent(next)}, ["Sign in again"]);
        var dialog = element("div", {"class": "modal d-block", id: "session-ended", role: "dialog",
                                     "aria-modal": "true", "aria-labelledby": "session-ended-title"}, [
            element("div", {"class": "modal-dialog modal-dialog-centered"}, [
                element("div", {"class": "modal-content"}, [
                    element("div", {"class": "modal-header"}, [
                        element("h2", {"class": "modal-title h5", id: "session-ended-title"},
                                ["You are signed out"])]),
                    element("div", {"class": "modal-body"}, [element("p", {}, [message])]),
                    element("div", {"class": "modal-footer"}, [link])])])]);
        document.body.appendChild(element("div", {"class": "modal-backdrop show"}));
        document.body.appendChild(dialog);
        link.focus();
    }

    window.fetch = function (resource, options) {
        return originalFetch(resource, options).then(function (response) {
            var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
            if (response.status === 401 && url.indexOf(DISPATCH) !== -1) {
                response.clone().json().then(function (body) {
                    showSignedOut(body.message || "Your session has ended.");
                }, function () { showSignedOut("Your session has ended."); });
            }
            return response;
        });
    };
}());
