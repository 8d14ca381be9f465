"""What the app page adds for keyboard and screen-reader users that ipywidgets 8 does not do itself.

Displayed once at the top of app/explorer.ipynb (Voila shows the output, never the code), it is a
small style and script that watch the page as widgets are drawn and redrawn:

- each figure view's picture gets its ``alt`` from the view's hidden text alternative, kept up to
  date as the controls move (WCAG 1.1.1); ipywidgets' Image has no alt of its own, and its view
  fails to draw at all when given a tooltip;
- each readout is a polite live region (role="status"), so a screen reader says the new shapes,
  values and logit after a change (4.1.3);
- each slider handle is named by its visible label through aria-labelledby; ipywidgets' sliders
  (noUiSlider) draw the label beside a handle that has no accessible name (4.1.2, 2.5.3);
- whatever has keyboard focus in a view shows a 2 px outline (2.4.7).

Nothing here changes what a control does: arrows, Page Up/Down, Home and End already move the
sliders, and the menus are native <select> elements.
"""

from __future__ import annotations

from IPython.display import HTML

__all__ = ["accessible_widgets", "PAGE_SCRIPT", "PAGE_STYLE"]

PAGE_STYLE = """
.gpool-figure-view :focus-visible,
.gpool-figure-view .noUi-handle:focus,
.gpool-figure-view select:focus {
    outline: 2px solid #1a56a8 !important;
    outline-offset: 2px;
}
"""

PAGE_SCRIPT = """
(function () {
    if (window.__gpoolAccessibleWidgets) return;
    window.__gpoolAccessibleWidgets = true;
    let counter = 0;
    function idFor(element) {
        if (!element.id) element.id = 'gpool-label-' + (++counter);
        return element.id;
    }
    function improve(root) {
        root.querySelectorAll('.gpool-figure-view').forEach(function (view) {
            const image = view.querySelector('img.gpool-figure-image, .gpool-figure-image img');
            const text = view.querySelector('.gpool-figure-alt');
            if (image && text) {
                const alt = text.textContent.trim();
                if (alt && image.getAttribute('alt') !== alt) image.setAttribute('alt', alt);
            }
            view.querySelectorAll('.gpool-figure-readout').forEach(function (readout) {
                if (readout.getAttribute('role') !== 'status') {
                    readout.setAttribute('role', 'status');
                    readout.setAttribute('aria-live', 'polite');
                    readout.setAttribute('aria-atomic', 'true');
                }
            });
            view.querySelectorAll('.widget-slider').forEach(function (slider) {
                const label = slider.querySelector('label.widget-label');
                const handle = slider.querySelector('[role="slider"]');
                if (label && handle && !handle.getAttribute('aria-labelledby')) {
                    handle.setAttribute('aria-labelledby', idFor(label));
                }
            });
        });
    }
    improve(document);
    new MutationObserver(function () { improve(document); }).observe(document.body, {
        childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['src'],
    });
})();
"""


def accessible_widgets() -> HTML:
    """The style and script above, as one output to display in the page (nothing visible)."""
    return HTML(f'<style>{PAGE_STYLE}</style><script>{PAGE_SCRIPT}</script>')
