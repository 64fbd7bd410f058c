/* Live feeds poll with dcc.Interval; a hidden tab stops polling and resumes when shown again
   (served as a file, so the Content-Security-Policy needs no inline script). */
document.addEventListener("visibilitychange", function () {
    var clientside = window.dash_clientside;
    if (!clientside || !clientside.set_props) {
        return;
    }
    try {
        clientside.set_props("feed-interval", {disabled: document.hidden});
    } catch (error) {
        /* this page has no live feed */
    }
});
