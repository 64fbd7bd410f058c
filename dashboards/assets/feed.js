/* The live-activity badge: how many items arrived while the reader was away from the top of the
   feed (or had the panel closed); a click on "N new" scrolls back to the newest and clears it. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    feed: {
        unseen: function (cursor, isOpen, _jumps, unseen) {
            var context = window.dash_clientside.callback_context;
            var trigger = (context.triggered[0] || {}).prop_id || "";
            var scroller = document.getElementById("feed-scroll");
            var away = !isOpen || (scroller !== null && scroller.scrollTop > 40);
            var count = unseen || 0;
            if (trigger.indexOf("feed-jump") === 0) {
                if (scroller !== null) {
                    scroller.scrollTop = 0;
                }
                count = 0;
            } else if (trigger.indexOf("feed-panel") === 0) {
                count = isOpen && !away ? 0 : count;
            } else if (cursor && cursor.added) {
                count = away ? count + cursor.added : 0;
            }
            var label = count ? count + " new" : "";
            var jump = count ? label + " — back to the newest" : "";
            return [count, label, jump, count && isOpen ? {} : {display: "none"}];
        }
    }
});

/* An item's "5 min ago" was true when it arrived: redraw it every 30 s with the rules of
   dashboards/names.py relative_time, from the item's data-time. */
(function () {
    var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    function words(moment) {
        var seconds = (Date.now() - moment.getTime()) / 1000;
        if (seconds < 60) { return "just now"; }
        if (seconds < 3600) { return Math.floor(seconds / 60) + " min ago"; }
        if (seconds < 86400) { return Math.floor(seconds / 3600) + " h ago"; }
        if (seconds < 14 * 86400) {
            var days = Math.floor(seconds / 86400);
            return days === 1 ? "1 day ago" : days + " days ago";
        }
        var day = String(moment.getUTCDate()).padStart(2, "0");
        return day + " " + MONTHS[moment.getUTCMonth()] + " " + moment.getUTCFullYear();
    }
    setInterval(function () {
        document.querySelectorAll(".feed-time[data-time]").forEach(function (element) {
            var moment = new Date(element.getAttribute("data-time"));
            if (!isNaN(moment.getTime())) {
                element.textContent = words(moment);
            }
        });
    }, 30000);
})();
