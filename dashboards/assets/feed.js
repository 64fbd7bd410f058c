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
