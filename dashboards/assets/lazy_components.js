/* Component libraries loaded on first use (dashboards/bundles.py): for each library the server
   left out of the page, a stand-in namespace whose components fetch the real library, then
   render the real component with the same props. */
(function () {
    "use strict";
    var COMPONENTS = {dash_ag_grid: ["AgGrid"], dash_table: ["DataTable"]};
    var React = window.React;

    function loader(url, namespace) {
        var loading = null;
        return function () {
            if (!loading) {
                loading = new Promise(function (resolve, reject) {
                    var script = document.createElement("script");
                    script.src = url;
                    script.onload = function () { resolve(window[namespace]); };
                    script.onerror = function () { reject(new Error("could not load " + namespace)); };
                    document.head.appendChild(script);
                });
            }
            return loading;
        };
    }

    function standIn(load, name) {
        var Lazy = React.lazy(function () {
            return load().then(function (library) { return {default: library[name]}; });
        });
        function LazyComponent(props) {
            return React.createElement(React.Suspense, {fallback: null}, React.createElement(Lazy, props));
        }
        // Dash waits for this before it runs the callbacks of a page that holds the component.
        Object.defineProperty(LazyComponent, "_dashprivate_isLazyComponentReady", {
            get: function () {
                return load().then(function (library) {
                    var ready = library[name]._dashprivate_isLazyComponentReady;
                    return ready === undefined ? true : ready;
                });
            }
        });
        return LazyComponent;
    }

    document.querySelectorAll('meta[name="amoscope-lazy-library"]').forEach(function (meta) {
        var namespace = meta.getAttribute("data-namespace");
        if (window[namespace] || !COMPONENTS[namespace]) {
            return;
        }
        var load = loader(meta.getAttribute("content"), namespace);
        var stand = {};
        COMPONENTS[namespace].forEach(function (name) { stand[name] = standIn(load, name); });
        window[namespace] = stand;
    });
}());
