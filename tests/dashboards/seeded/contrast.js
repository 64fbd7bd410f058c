/* WCAG 2.x contrast of every visible text node of the page (charts' SVG text aside): a list of
   the texts below 4.5:1 (3:1 for large text), each with its ratio and colours. The background
   is the composite of the element's and its ancestors' background colours. */
() => {
    function parse(value) {
        const match = value.match(/rgba?\(([^)]+)\)/);
        if (!match) { return null; }
        const parts = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
        return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
    }
    function over(top, bottom) {
        const a = top.a;
        return {r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a),
                b: top.b * a + bottom.b * (1 - a), a: 1};
    }
    function luminance(c) {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    }
    function background(element) {
        const chain = [];
        for (let node = element; node; node = node.parentElement) { chain.push(node); }
        let colour = {r: 255, g: 255, b: 255, a: 1};
        for (const node of chain.reverse()) {
            const own = parse(getComputedStyle(node).backgroundColor);
            if (own && own.a > 0) { colour = over(own, colour); }
        }
        return colour;
    }
    function visible(element) {
        const rect = element.getBoundingClientRect();
        if (rect.width === 0 || rect.height === 0) { return false; }
        for (let node = element; node; node = node.parentElement) {
            const style = getComputedStyle(node);
            if (style.visibility === "hidden" || style.display === "none" || Number(style.opacity) === 0) {
                return false;
            }
        }
        return true;
    }
    const failures = [];
    let checked = 0;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        const element = text.parentElement;
        if (!text.textContent.trim() || !element || element.closest("svg, script, style, noscript")
                || element.closest(":disabled, [aria-disabled=true]") || !visible(element)) {
            continue;
        }
        const style = getComputedStyle(element);
        const bg = background(element);
        const fg = over(parse(style.color), bg);
        const [light, dark] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
        const ratio = (light + 0.05) / (dark + 0.05);
        const size = parseFloat(style.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
        checked += 1;
        if (ratio < (large ? 3 : 4.5)) {
            failures.push({text: text.textContent.trim().slice(0, 60), ratio: Math.round(ratio * 100) / 100,
                           color: style.color, background: `rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})`});
        }
    }
    return {checked, failures};
}
