// SPDX-License-Identifier: LGPL-2.1-or-later
//
// sesame-web's self-service flows in a real browser: Debian's chromium,
// headless, driven by playwright-core (no browser of Playwright's own).
// Run by tests/integration/test-web-browser.sh, which starts slapd,
// sesamed, the SMTP sink and sesame-web (HTTPS) and checks the directory
// afterwards; this script walks the pages as a person would, reads the
// links from the mails the sink received, and asserts on what each page
// shows.  One line per check on standard output, "PASS what" or
// "FAIL what # why", which the shell script turns into TAP; a screenshot
// of every page goes to SHOTS.  Exit 0 when the walk reached its end.
//
// Environment: WEB_URL (https://127.0.0.1:PORT, also [web] base_url),
// SINK_DIR (the sink's .eml files), SHOTS (a directory), PROFILE (an
// empty directory: chromium's user data), SPKI (base64 SHA-256 of the
// server key's SubjectPublicKeyInfo: the one certificate chromium is told
// to accept), NEW_PASSWORD.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const env = (name) => {
        const v = process.env[name];
        if (!v)
                throw new Error(`${name} is not set`);
        return v;
};
const WEB_URL = env('WEB_URL');
const SINK_DIR = env('SINK_DIR');
const SHOTS = env('SHOTS');
const NEW_PASSWORD = env('NEW_PASSWORD');
// every wait is bounded: a page or a mail that does not come fails
const PAGE_MS = 15000;
const MAIL_MS = 15000;

let failed = 0;
function check(what, cond, why) {
        if (cond)
                console.log(`PASS ${what}`);
        else {
                failed++;
                console.log(`FAIL ${what} # ${why || 'no'}`);
        }
}

let shot = 0;
async function screenshot(page, name) {
        shot++;
        const file = path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
}

const h1 = (page) => page.locator('h1').innerText({ timeout: PAGE_MS });
const body = (page) => page.locator('main').innerText({ timeout: PAGE_MS });

// The .eml files in SINK_DIR, oldest first.
const mails = () => fs.readdirSync(SINK_DIR).filter((f) => f.endsWith('.eml')).sort();

// The text of every part of a message, base64 parts decoded.
function mailText(file) {
        const raw = fs.readFileSync(path.join(SINK_DIR, file), 'latin1');
        let text = '';
        for (const part of raw.split(/\r?\n--[^\r\n]+/)) {
                const cut = part.search(/\r?\n\r?\n/);
                if (cut < 0)
                        continue;
                const head = part.slice(0, cut);
                const rest = part.slice(cut).trim();
                text += /content-transfer-encoding:\s*base64/i.test(head)
                        ? Buffer.from(rest.replace(/\s+/g, ''), 'base64').toString('utf8')
                        : rest;
                text += '\n';
        }
        return text;
}

// The first message after the first @after ones whose text matches @re,
// waiting for it; its text.  (A "password changed" mail may arrive
// between two others: the order of the mails is the sender's.)
async function mailMatching(after, re, what) {
        const end = Date.now() + MAIL_MS;
        for (;;) {
                for (const file of mails().slice(after)) {
                        const text = mailText(file);
                        if (re.test(text))
                                return text;
                }
                if (Date.now() > end)
                        throw new Error(`no ${what} mail within ${MAIL_MS} ms`);
                await new Promise((r) => setTimeout(r, 100));
        }
}

// The first link to @route (reset or confirm) in a mail after the first
// @after ones.
async function linkOfMail(after, route) {
        const esc = WEB_URL.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        const re = new RegExp(`${esc}/${route}\\?token=[A-Za-z0-9_-]+`);
        return (await mailMatching(after, re, route)).match(re)[0];
}

// A form on /forgot or /resend, filled in with @login and sent.
async function askForLink(page, route, login, title, shotName) {
        const res = await page.goto(`${WEB_URL}/${route}`, { timeout: PAGE_MS });
        check(`GET /${route}: 200`, res && res.status() === 200, res && res.status());
        check(`the ${route} form says "${title}"`, (await h1(page)) === title, await h1(page));
        // style.css applies under the Content-Security-Policy
        const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
        check(`the ${route} form has its style sheet`, font === 'sans-serif', font);
        await screenshot(page, shotName);
        await page.getByLabel('User name or email address').fill(login);
        await Promise.all([page.waitForNavigation({ timeout: PAGE_MS }), page.getByRole('button').click()]);
        check(`after sending it: "Check your mail"`, (await h1(page)) === 'Check your mail', await h1(page));
        await screenshot(page, `${shotName}-sent`);
}

// Open a mailed link and press its button; returns the page's title.
async function openLink(page, link, shotName) {
        await page.goto(link, { timeout: PAGE_MS });
        check(`the link's page asks to continue`, (await h1(page)) === 'Continue', await h1(page));
        await screenshot(page, shotName);
        await Promise.all([page.waitForNavigation({ timeout: PAGE_MS }), page.getByRole('button').click()]);
        check('after the button the token is no longer in the address bar', !page.url().includes('token='),
              page.url());
        return h1(page);
}

async function resetFlow(page) {
        const before = mails().length;

        await askForLink(page, 'forgot', 'alice', 'Forgot your password?', 'forgot');
        const link = await linkOfMail(before, 'reset');
        check('the reset mail holds a link from base_url', link.startsWith(`${WEB_URL}/reset?token=`), link);

        check('the reset link opens the new password form',
              (await openLink(page, link, 'reset-continue')) === 'Choose a new password', await h1(page));
        check('the form states the password rules', /At least \d+ characters/.test(await body(page)),
              await body(page));
        await screenshot(page, 'new-password');

        await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
        await page.getByLabel('New password again').fill(NEW_PASSWORD + 'x');
        await Promise.all([page.waitForNavigation({ timeout: PAGE_MS }), page.getByRole('button').click()]);
        check('two different passwords: the form again, saying so',
              (await body(page)).includes('The two passwords differ.'), await body(page));
        await screenshot(page, 'passwords-differ');

        await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
        await page.getByLabel('New password again').fill(NEW_PASSWORD);
        await Promise.all([page.waitForNavigation({ timeout: PAGE_MS }), page.getByRole('button').click()]);
        check('the new password is set: "Password changed"', (await h1(page)) === 'Password changed',
              await h1(page));
        check('... and it says so', (await body(page)).includes('Your new password is set.'), await body(page));
        await screenshot(page, 'password-changed');
        const notice = await mailMatching(before, /the password of your account was just changed/, 'password changed');
        check('a "password changed" mail follows', notice.includes('If it was not you'), notice);

        const again = await openLink(page, link, 'reset-again');
        check('the link used again: refused', again === 'Something went wrong', again);
        check('... saying it is not valid any more', (await body(page)).includes('This link is not valid any more'),
              await body(page));
        await screenshot(page, 'reset-used');
}

async function confirmFlow(page) {
        const before = mails().length;

        await askForLink(page, 'resend', 'carol', 'Confirm your email address', 'resend');
        const link = await linkOfMail(before, 'confirm');
        check('the confirmation mail holds a link from base_url', link.startsWith(`${WEB_URL}/confirm?token=`),
              link);
        check('the confirmation link confirms: "Address confirmed"',
              (await openLink(page, link, 'confirm-continue')) === 'Address confirmed', await h1(page));
        check('... and thanks', (await body(page)).includes('your email address is confirmed'), await body(page));
        await screenshot(page, 'confirmed');
}

async function main() {
        const context = await chromium.launchPersistentContext(env('PROFILE'), {
                executablePath: '/usr/bin/chromium',
                headless: true,
                timeout: 60000,
                args: [
                        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                        '--disable-background-networking', '--disable-component-update', '--disable-sync',
                        // the one test certificate, by its key, not every error
                        `--ignore-certificate-errors-spki-list=${env('SPKI')}`,
                ],
        });
        try {
                const page = context.pages()[0] || (await context.newPage());
                page.setDefaultTimeout(PAGE_MS);
                // the pages have no script, and load nothing but style.css:
                // a script error, a CSP refusal or a failed sub-resource
                // shows up here (a page's own status, e.g. the 400 of a
                // spent link, is asserted on where it is shown)
                const errors = [];
                page.on('pageerror', (e) => errors.push(String(e)));
                page.on('console', (m) => {
                        if (m.type() === 'error' && !/^Failed to load resource: the server responded/.test(m.text()))
                                errors.push(m.text());
                });
                page.on('response', (r) => {
                        if (r.request().resourceType() !== 'document' && r.status() >= 400)
                                errors.push(`${r.url()}: ${r.status()}`);
                });
                await resetFlow(page);
                await confirmFlow(page);
                check('no script error, CSP refusal or failed sub-resource on any page', errors.length === 0,
                      errors.join('; '));
        } finally {
                await context.close();
        }
}

main().then(
        () => process.exit(failed ? 1 : 0),
        (e) => {
                console.log(`FAIL the walk through the pages ended early # ${String(e).split('\n')[0]}`);
                process.exit(1);
        });
