/* The shell's behaviour in the browser: light and dark themes, focus mode, the launcher.

   Theme: the choice is kept in the amoscope_theme cookie for a year (so it survives reload,
   sign-out and sign-in; the login pages read it too) and sent to the server, which keeps it for
   the account and sets the cookie from it at each login, in any browser (auth/preferences.py);
   without a choice the system's prefers-color-scheme decides and is followed as it changes. Charts follow the theme: each
   plotly graph gets the theme's colours whenever it is drawn.
   Focus mode: the button or the F key hides the navbar; the floating launcher opens it over the
   page; Escape closes the launcher, then leaves focus mode. */
(function () {
    "use strict";
    var COOKIE = "amoscope_theme";
    var YEAR = 365 * 24 * 3600;
    // The look of dashboards/charts.py's two templates (plotly_white and plotly_dark), applied
    // to charts already drawn when the theme changes; new charts come in the right one.
    var CHART_COLOURS = {
        light: {plot_bgcolor: "white", "font.color": "#2a3f5f",
                "xaxis.gridcolor": "#EBF0F8", "yaxis.gridcolor": "#EBF0F8",
                "xaxis.linecolor": "#EBF0F8", "yaxis.linecolor": "#EBF0F8"},
        dark: {plot_bgcolor: "rgb(17,17,17)", "font.color": "#f2f5fa",
               "xaxis.gridcolor": "#283442", "yaxis.gridcolor": "#283442",
               "xaxis.linecolor": "#506784", "yaxis.linecolor": "#506784"}
    };
    var system = window.matchMedia("(prefers-color-scheme: dark)");

    function secureFlag() {
        return window.location.protocol === "https:" ? "; Secure" : "";
    }

    function chosenTheme() {
        var match = document.cookie.match(/(?:^|; )amoscope_theme=(light|dark)(?:;|$)/);
        return match ? match[1] : null;
    }

    function currentTheme() {
        return chosenTheme() || (system.matches ? "dark" : "light");
    }

    function paintChart(graph, theme) {
        var drawn = graph._fullLayout;
        if (!window.Plotly || !drawn || !drawn.font || drawn.font.color === CHART_COLOURS[theme]["font.color"]) {
            return;
        }
        window.Plotly.relayout(graph, CHART_COLOURS[theme]);
    }

    function paintCharts() {
        var theme = currentTheme();
        document.querySelectorAll(".js-plotly-plot").forEach(function (graph) {
            if (!graph.dataset.themeWatched && graph.on) {
                graph.dataset.themeWatched = "1";
                graph.on("plotly_afterplot", function () { paintChart(graph, currentTheme()); });
            }
            paintChart(graph, theme);
        });
    }

    function applyTheme() {
        var theme = currentTheme();
        if (document.documentElement.getAttribute("data-bs-theme") !== theme) {
            document.documentElement.setAttribute("data-bs-theme", theme);
            document.cookie = "amoscope_theme_now=" + theme + "; Path=/; SameSite=Lax" + secureFlag();
            document.body.setAttribute("data-ag-theme-mode", theme);  // AG Grid's colour scheme
        }
        var button = document.getElementById("theme-toggle");
        var label = theme === "dark" ? "Light" : "Dark";
        if (button && button.textContent !== label) {  // unchanged text must not mutate the DOM
            button.textContent = label;
            button.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
            button.setAttribute("aria-label", "Switch to the " + label.toLowerCase() + " theme");
        }
        paintCharts();
    }

    var scheduled = false;
    function applyThemeSoon() {
        if (!scheduled) {
            scheduled = true;
            window.requestAnimationFrame(function () { scheduled = false; applyTheme(); });
        }
    }

    function rememberForAccount(theme) {
        var token = document.cookie.match(/(?:^|; )_csrf_token=([^;]*)/);
        window.fetch("/preferences/theme", {
            method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token[1] : ""},
            body: JSON.stringify({theme: theme})
        }).catch(function () { /* offline: this browser's cookie still holds the choice */ });
    }

    function toggleTheme() {
        var next = currentTheme() === "dark" ? "light" : "dark";
        document.cookie = COOKIE + "=" + next + "; Max-Age=" + YEAR + "; Path=/; SameSite=Lax" + secureFlag();
        applyTheme();
        rememberForAccount(next);
    }

    function setFocus(on) {
        document.body.classList.toggle("focus-mode", on);
        document.body.classList.remove("launcher-open");
        var button = document.getElementById("focus-toggle");
        if (button) {
            button.setAttribute("aria-pressed", on ? "true" : "false");
        }
    }

    function typing(target) {
        return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    }

    document.addEventListener("click", function (event) {
        var target = event.target.closest ? event.target : event.target.parentElement;
        if (target.closest("#theme-toggle")) {
            toggleTheme();
        } else if (target.closest("#focus-toggle")) {
            setFocus(!document.body.classList.contains("focus-mode"));
        } else if (target.closest("#focus-launcher")) {
            document.body.classList.toggle("launcher-open");
        } else if (target.closest("#app-navbar a") && document.body.classList.contains("launcher-open")) {
            document.body.classList.remove("launcher-open");
        }
    });

    document.addEventListener("keydown", function (event) {
        if (!document.getElementById("focus-toggle") || typing(event.target) || event.ctrlKey
                || event.metaKey || event.altKey) {
            return;
        }
        if (event.key === "f" || event.key === "F") {
            setFocus(!document.body.classList.contains("focus-mode"));
        } else if (event.key === "Escape" && document.body.classList.contains("launcher-open")) {
            document.body.classList.remove("launcher-open");
        } else if (event.key === "Escape" && document.body.classList.contains("focus-mode")) {
            setFocus(false);
        }
    });

    system.addEventListener("change", applyTheme);
    applyTheme();
    // Dash draws pages (and their charts) after this script: paint what appears.
    new MutationObserver(applyThemeSoon)
        .observe(document.documentElement, {childList: true, subtree: true});
}());
