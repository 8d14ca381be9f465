"""Find and drive the pooling explorer (``gpool_helpers.widgets.pooling_explorer()``) on a page.

The same selectors work in JupyterLab and in Voila: the explorer's root VBox
carries the CSS class ``gpool-explorer``, its image ``gpool-explorer-image``
and its readout ``gpool-explorer-readout``; sliders are found by their
description ("N", "C", "H", "W", "seed") and the dropdown by "kind" (the Chinese
edition's label, 池化方式, too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROOT = ".gpool-explorer"
IMAGE = ".gpool-explorer-image"
READOUT = ".gpool-explorer-readout"
#: The kind menu's label in each language (gpool_helpers' _("kind")).
KIND_LABELS = ("kind", "池化方式")
#: FigureView puts a failed draw's message in the readout under this class.
MESSAGE = ".gpool-figure-message"


@dataclass(frozen=True)
class ExplorerState:
    image_src: str
    #: SHA-256 of the PNG bytes the page shows: a new blob URL alone could carry the same picture.
    image_digest: str
    readout_text: str
    slider_values: dict[str, int]
    kind: str


def root(page):
    return page.locator(ROOT).first


def wait_until_drawn(page, timeout_ms: int = 60_000) -> None:
    """Wait until the explorer's image has a picture (a blob: URL set from the PNG bytes)."""
    page.wait_for_function(
        """([rootSelector, imageSelector]) => {
            const image = document.querySelector(`${rootSelector} ${imageSelector}`);
            return !!image && !!image.getAttribute('src') && image.naturalWidth > 0;
        }""",
        arg=[ROOT, IMAGE],
        timeout=timeout_ms,
    )


def slider_handle(page, description: str):
    """The keyboard-focusable handle of the slider whose label reads exactly ``description``."""
    labelled = root(page).locator(".widget-slider").filter(
        has=page.locator("label.widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
    )
    return labelled.first.get_by_role("slider")


def kind_select(page):
    labelled = root(page).locator(".widget-dropdown").filter(
        has=page.locator("label.widget-label", has_text=re.compile(rf"^\s*(?:{'|'.join(KIND_LABELS)})\s*$"))
    )
    return labelled.first.locator("select")


def slider_value(page, description: str) -> int:
    return round(float(slider_handle(page, description).get_attribute("aria-valuenow")))


def state(page) -> ExplorerState:
    image = root(page).locator(IMAGE)
    values = {}
    for description in ("N", "C", "H", "W", "seed"):
        handle = slider_handle(page, description)
        if handle.count():
            values[description] = slider_value(page, description)
    select = kind_select(page)
    kind = select.evaluate("(element) => element.options[element.selectedIndex].text") if select.count() else ""
    source = image.get_attribute("src") or ""
    return ExplorerState(
        image_src=source,
        image_digest=image_digest(page, source),
        readout_text=root(page).locator(READOUT).inner_text(),
        slider_values=values,
        kind=kind,
    )


def image_digest(page, source: str) -> str:
    if not source:
        return ""
    return page.evaluate(
        """async (source) => {
            const bytes = await (await fetch(source)).arrayBuffer();
            const digest = await crypto.subtle.digest('SHA-256', bytes);
            return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
        }""",
        source,
    )


def wait_for_change(page, before: ExplorerState, timeout_ms: int = 30_000) -> ExplorerState:
    """The explorer's state once both its picture and its readout differ from ``before``, or when time is up.

    A timeout is not raised here: the caller's assertions then say which of
    the two did not change, which is what a failure report should name.
    """
    try:
        page.wait_for_function(
            """([rootSelector, imageSelector, readoutSelector, oldSource, oldText]) => {
                const image = document.querySelector(`${rootSelector} ${imageSelector}`);
                const readout = document.querySelector(`${rootSelector} ${readoutSelector}`);
                return !!image && image.getAttribute('src') !== oldSource && image.naturalWidth > 0
                    && !!readout && readout.innerText !== oldText;
            }""",
            arg=[ROOT, IMAGE, READOUT, before.image_src, before.readout_text],
            timeout=timeout_ms,
            polling=100,
        )
    except Exception:  # noqa: BLE001  (playwright's TimeoutError; the caller asserts what is missing)
        pass
    return state(page)


def press_on_slider(page, description: str, key: str) -> ExplorerState:
    """Focus the slider's handle and press ``key`` (ArrowRight / ArrowLeft), as a keyboard user would."""
    before = state(page)
    handle = slider_handle(page, description)
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press(key)
    return before


def expected_shapes(current: ExplorerState) -> tuple[str, str]:
    """The input and output shapes the readout must state, worked out from the registry (not from the page)."""
    from gpool_helpers.pooling.registry import get_kind

    values = current.slider_values
    input_shape = tuple(values[name] for name in ("N", "C", "H", "W"))
    output_shape = tuple(get_kind(current.kind).output_shape(input_shape))
    return str(input_shape), str(output_shape)


def readout_problem(current: ExplorerState) -> str | None:
    """Why the readout does not match the controls (None when it states the right kind and both shapes)."""
    input_shape, output_shape = expected_shapes(current)
    text = " ".join(current.readout_text.split())
    if f"{input_shape} -> {output_shape}" not in text:
        return f"the readout should state {input_shape} -> {output_shape} for kind {current.kind!r}; it reads {text!r}"
    if current.kind not in text:
        return f"the readout does not name the kind {current.kind!r}; it reads {text!r}"
    return None


def failure_message(page) -> str | None:
    message = root(page).locator(f"{READOUT} {MESSAGE}")
    return message.inner_text() if message.count() else None
