"""The module's main screens in headless Chromium, checked against demo data.

Each suite module has a test like the one below: it opens its main screens as a
user of the demo database, waits until every screen shows the expected demo
values and fails when one is missing. When the environment variable
CRM_SUITE_SCREENSHOTS names a folder, the test also saves a PNG of every
screen there, in ``<folder>/<module>/screenshot_<name>.png``. ``python3 suite.py
screenshots`` copies them to the modules' static/description folders. When the
database has German loaded, every screen is opened a second time in German
(``screenshot_<name>_de.png``).
"""

import base64
import contextlib
import json
import os

from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, ChromeBrowser

FOLDER_VARIABLE = "CRM_SUITE_SCREENSHOTS"

# Opens one screen in the page already loaded: optionally clicks elements
# first, then waits until the element `selector` contains every expected text
# and nothing on the page is loading. Resolves with the text of that element
# (its text at the deadline when an expected text never shows up).
WAIT_FOR_SCREEN = """
(async (options) => {
    const busy = ".o_loading_indicator, .o_blockUI, .o_spinner";
    const deadline = Date.now() + options.timeout;
    const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const content = () => {
        const root = document.querySelector(options.selector);
        return root ? root.innerText : "";
    };
    // The web client and the portal set __WOWL_DEBUG__ once their services
    // started: leaving the page earlier aborts their requests with errors.
    const started = () => window.odoo && window.odoo.__WOWL_DEBUG__;
    const ready = (selector) =>
        started() && document.querySelector(selector) && !document.querySelector(busy);
    if (options.zoom) {
        // Fits wide screens (five kanban columns) into the 1280 pixels.
        document.body.style.zoom = options.zoom;
    }
    for (let index = 0; index < options.clicks.length; index++) {
        // "?selector" is clicked only when the next click target is not
        // shown yet, e.g. the "More" menu of smart buttons.
        const optional = options.clicks[index].startsWith("?");
        const click = optional ? options.clicks[index].slice(1) : options.clicks[index];
        const next = options.clicks.slice(index + 1).find((c) => !c.startsWith("?"));
        const nextShown = () => optional && next && ready(next);
        while (Date.now() < deadline && !ready(click) && !nextShown()) {
            await pause(100);
        }
        if (nextShown()) {
            continue;
        }
        const target = document.querySelector(click);
        if (!target) {
            return `nothing to click at ${click}`;
        }
        target.click();
        await pause(300);
    }
    while (Date.now() < deadline) {
        const text = content();
        if (
            text &&
            ready(options.wait_for || options.selector) &&
            options.texts.every((t) => text.includes(t))
        ) {
            if (options.scroll) {
                document.querySelector(options.scroll).scrollIntoView({block: "start"});
            }
            if (document.activeElement) {
                document.activeElement.blur();
            }
            await pause(options.settle);
            return content();
        }
        await pause(100);
    }
    return content();
})(%s)
"""


class CrmScreenshotCase(HttpCase):
    """Open screens in one browser session, check their text, save PNGs.

    Subclasses call :meth:`crm_screens` once per language. A screen is a
    dictionary: ``name`` (of the PNG), ``url``, ``selector`` (the element whose
    text is checked), ``texts``, and optionally ``clicks`` (CSS selectors
    clicked in turn first), ``wait_for``, ``scroll``, ``zoom`` and ``settle``
    (milliseconds to wait before the screenshot).
    """

    browser_size = "1280x800"

    @classmethod
    def crm_languages(cls):
        """English, and German when the database has it loaded."""
        languages = ["en_US"]
        if cls.env["res.lang"]._lang_get("de_DE"):
            languages.append("de_DE")
        return languages

    def _crm_module_name(self):
        # odoo.addons.<module>.tests.test_screenshots
        return type(self).__module__.split(".")[2]

    @contextlib.contextmanager
    def _crm_browser(self, login):
        browser = ChromeBrowser(self)
        try:
            # The same request key as HttpCase.browser_js, so the browser's
            # requests run in this test's transaction.
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate(login, login, browser=browser)
            self.http_request_strict_check = True
            self.cr.flush()
            self.cr.clear()
            yield browser
        finally:
            browser.stop()
            self._wait_remaining_requests()
            self.http_request_key = self.canonical_tag
            self.opener.cookies[TEST_CURSOR_COOKIE_NAME] = self.http_request_key

    def crm_screens(self, login, screens, lang="en_US"):
        """Open every screen as ``login`` in ``lang``; check it and save it.

        ``texts`` of a screen is a list of strings the screen must show, or
        a dict of such lists by language.
        """
        user = self.env["res.users"].search([("login", "=", login)])
        self.assertTrue(user, f"no user with login {login!r} in the demo data")
        if not self.env["res.lang"]._lang_get(lang):
            # A database created in German has English inactive.
            self.env["res.lang"]._activate_lang(lang)
        user.lang = lang
        folder = os.environ.get(FOLDER_VARIABLE)
        with self._crm_browser(login) as browser:
            for screen in screens:
                texts = screen["texts"]
                if isinstance(texts, dict):
                    texts = texts[lang]
                shown = self._crm_open_screen(browser, screen, texts)
                for text in texts:
                    self.assertIn(
                        text,
                        shown,
                        f"screen {screen['name']!r} ({lang}) at {screen['url']} does not show "
                        f"{text!r}; it shows:\n{shown[:2000]}",
                    )
                if folder:
                    suffix = "" if lang == "en_US" else "_" + lang.split("_")[0]
                    self._crm_save_screenshot(browser, folder, screen["name"] + suffix)

    def _crm_open_screen(self, browser, screen, texts):
        browser.navigate_to(self.base_url() + screen["url"], wait_stop=True)
        options = {
            "selector": screen.get("selector", ".o_action_manager"),
            "texts": texts,
            "clicks": screen.get("clicks", []),
            "wait_for": screen.get("wait_for"),
            "scroll": screen.get("scroll"),
            "zoom": screen.get("zoom"),
            "timeout": 20000,
            "settle": screen.get("settle", 500),
        }
        code = WAIT_FOR_SCREEN % json.dumps(options)
        result = browser._websocket_request(
            "Runtime.evaluate",
            params={"expression": code, "awaitPromise": True, "returnByValue": True},
            timeout=30,
        )
        if browser._result.done() and browser._result.exception():
            self.fail(
                f"screen {screen['name']!r} at {screen['url']} raised an error in the browser: "
                f"{browser._result.exception()}"
            )
        return result["result"].get("value") or ""

    def _crm_save_screenshot(self, browser, folder, name):
        result = browser._websocket_request(
            "Page.captureScreenshot", params={"format": "png"}, timeout=30
        )
        target = os.path.join(folder, self._crm_module_name())
        os.makedirs(target, exist_ok=True)
        path = os.path.join(target, f"screenshot_{name}.png")
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(result["data"]))


@tagged("post_install", "-at_install", "crm_screenshots")
class TestCoreScreenshots(CrmScreenshotCase):
    """The 360° page, timeline and data quality screens of a demo customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.deco = cls.env.ref("base.res_partner_2")  # Deco Addict, 3 open demo deals
        cls.deco.crm_account_manager_id = cls.admin
        # A second record of the same customer, as an import would leave it.
        cls.env["res.partner"].create(
            {"name": "Deco Addict Inc.", "is_company": True, "email": cls.deco.email}
        )
        cls.env["crm.required.field"].create(
            {
                "model_name": "res.partner",
                "customer_type": "company",
                "field_id": cls.env.ref("base.field_res_partner__vat").id,
            }
        )
        cls.env["crm.score.rule"].create(
            {
                "name": "Company with a website",
                "model_name": "res.partner",
                "rule_type": "field",
                "domain": "[('is_company', '=', True), ('website', '!=', False)]",
                "points": 40,
            }
        )
        cls.env["crm.duplicate.pair"]._cron_detect_duplicates()
        cls.env["crm.required.field"]._cron_update_completeness()
        cls.deco.action_crm_compute_score()

    def test_core_screens(self):
        deco = self.deco
        open_deals = deco.crm_open_opportunity_count
        self.assertEqual(open_deals, 3)
        timeline_button = "action_crm_open_timeline"
        partner_form = f"/odoo/action-crm_core.res_partner_action_crm_360/{deco.id}"
        timeline_texts = ["Timeline of Deco Addict", "Email sent"]
        if self.env["ir.module.module"]._get("crm_erp_bridge").state == "installed":
            # Invoices join the timeline with crm_erp_bridge.
            timeline_texts.append("Invoice")
        screens = [
            {
                "name": "customer_360",
                "url": partner_form,
                "selector": ".o_form_view",
                "clicks": ["a[name='crm_360']"],
                "scroll": ".o_notebook",
                "texts": {
                    "en_US": [
                        "Deco Addict",
                        "Mitchell Admin",
                        f"Open Opportunities\n{open_deals}",
                        "Weighted Pipeline",
                        "+40  Company with a website",
                    ],
                    "de_DE": [
                        "360°-Ansicht",
                        f"Offene Verkaufschancen\n{open_deals}",
                        "Gewichtete Pipeline",
                        "+40  Company with a website",
                    ],
                },
            },
            {
                "name": "timeline",
                "url": partner_form,
                "clicks": ["a[name='crm_360']", f".tab-pane button[name='{timeline_button}']"],
                "wait_for": ".o_list_view",
                "texts": {
                    "en_US": timeline_texts,
                    "de_DE": ["Verlauf von Deco Addict"],
                },
            },
            {
                "name": "duplicates",
                "url": "/odoo/action-crm_core.crm_duplicate_pair_action",
                "selector": ".o_list_view",
                "texts": ["Deco Addict", "Deco Addict Inc."],
            },
        ]
        for lang in self.crm_languages():
            self.crm_screens("admin", screens, lang=lang)
