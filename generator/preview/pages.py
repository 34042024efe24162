"""The preview's own pages, in German: the overview, an email's preview, the error page, the guide.

Everything shown here is editors' text (titles, subjects, file paths, messages) or comes from
built files: the templates escape every value (Jinja's autoescape); nothing is marked safe but
the guide, which is rundbrief's own Markdown, and the script below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from importlib import resources

import jinja2
import markdown
from markupsafe import Markup

from generator.diagnostics import Problem
from generator.i18n import _
from generator.preview.build import IssueEntry, PreviewBuild
from generator.preview.emailview import VARIANTS, EmailFacts

RELOAD_PATH = "/_rundbrief/reload"
EMAILS_PATH = "/_email/"
GUIDE_PATH = "/_guide/"
GUIDE_ERRORS = "9-was-die-meldungen-bedeuten"  # the guide's section on messages, linked from the error page
GUIDE_FILE = "redaktion.md"  # generator/preview/redaktion.md, a copy of docs/redaktion.md

# Waits (long poll) for the next build and reloads the page when there is one; after a lost
# connection (the server was restarted) it tries again every second.
_RELOAD = """<script>(function(){var seen=%s;function poll(){fetch("%s?build="+seen,{cache:"no-store"})
.then(function(r){return r.json()}).then(function(d){if(d.build!==seen){location.reload()}else{poll()}})
.catch(function(){setTimeout(poll,1000)})}poll()})();</script>"""

_BAR = (
    '<div style="position:fixed;right:.5rem;bottom:.5rem;z-index:1000;background:#1a237e;color:#fff;'
    'font:14px/1.4 system-ui,sans-serif;padding:.3rem .7rem;border-radius:.3rem;opacity:.92">'
    'Vorschau · <a style="color:#fff" href="/_email/">E-Mails</a> · '
    '<a style="color:#fff" href="/_guide/">Leitfaden</a></div>'
)


def reload_script(build: int) -> str:
    return _RELOAD % (json.dumps(build), RELOAD_PATH)


def site_additions(build: int) -> str:
    """What the preview adds to every page of the built site: the reload script and a small
    bar with the way to the email preview and the guide."""
    return _BAR + reload_script(build)


_LAYOUT = """<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} – Vorschau</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1d29; background: #f4f5f9; }
header { background: #1a237e; color: #fff; padding: .6rem 1.2rem; }
header a { color: #fff; margin-right: 1.2rem; }
main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; }
table.facts th { text-align: left; padding: .2rem 1rem .2rem 0; vertical-align: top; font-weight: 600; }
table.list { border-collapse: collapse; background: #fff; }
table.list th, table.list td { text-align: left; padding: .4rem .8rem; border-bottom: 1px solid #d7dae6; }
.draft { display: inline-block; background: #b3261e; color: #fff; font-size: .8rem; font-weight: 700;
  padding: 0 .4rem; border-radius: .2rem; margin-left: .3rem; }
.errors { white-space: pre-wrap; background: #fff; border-left: 6px solid #b3261e; padding: .8rem 1rem; }
.warnings { white-space: pre-wrap; background: #fff; border-left: 6px solid #b26a00; padding: .8rem 1rem; }
.frames { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.frames figure { margin: 0; }
.frames figcaption { font-size: .9rem; margin-bottom: .3rem; }
iframe { border: 1px solid #b9bdcc; background: #fff; display: block; }
pre.text { white-space: pre-wrap; background: #fff; padding: 1rem; max-width: 80ch; border: 1px solid #d7dae6; }
.guide { background: #fff; padding: 1rem 2rem; max-width: 60rem; }
.guide table { border-collapse: collapse; } .guide td, .guide th { border: 1px solid #d7dae6; padding: .2rem .5rem; }
.guide code { background: #eef0f6; padding: 0 .2rem; }
.guide pre { background: #eef0f6; padding: .6rem; overflow: auto; }
</style>
</head>
<body>
<header><strong>rundbrief-Vorschau</strong> &nbsp;
<a href="/">Website</a><a href="/_email/">E-Mails</a><a href="/_guide/">Leitfaden für die Redaktion</a></header>
<main>
{% block main %}{% endblock %}
</main>
{{ reload }}
</body>
</html>
"""

_ERRORS = """{% extends "layout" %}{% block main %}
<h1>{{ t.heading }}</h1>
<p>{{ t.intro }} (<code>{{ t.shape }}</code>).</p>
<pre class="errors">{% for p in errors %}{{ p }}
{% endfor %}</pre>
{%- if warnings %}
<h2>{{ t.notes }}</h2>
<pre class="warnings">{% for p in warnings %}{{ p }}
{% endfor %}</pre>
{%- endif %}
<p>{{ t.meaning }}
<a href="/_guide/#{{ guide_errors }}">{{ t.guide }}</a>.</p>
{% endblock %}"""

_BUILDING = """{% extends "layout" %}{% block main %}
<h1>Die Vorschau wird erstellt …</h1>
<p>Einen Moment bitte: die Website und die E-Mails werden gebaut. Die Seite lädt sich dann von selbst neu.</p>
{% endblock %}"""

_NOT_FOUND = """{% extends "layout" %}{% block main %}
<h1>Diese Seite gibt es nicht</h1>
<p><code>{{ path }}</code> gibt es in der Vorschau nicht. Zur <a href="/">Startseite</a> oder zu den
<a href="/_email/">E-Mails</a>.</p>
{% endblock %}"""

_INDEX = """{% extends "layout" %}{% block main %}
<h1>E-Mails aller Ausgaben</h1>
<p>So bekommen die Abonnentinnen und Abonnenten jede Ausgabe. Entwürfe sind dabei und als
<span class="draft">Entwurf</span> markiert: auf der veröffentlichten Website und im Versand erscheinen sie erst,
wenn in der Datei <code>draft: false</code> steht (oder die Zeile fehlt).
Die Vorschau baut neu, sobald eine Datei in <code>content/</code>, <code>theme/</code> oder <code>mkdocs.yml</code>
gespeichert wird, und lädt offene Seiten von selbst neu. Wie alles geht, steht im
<a href="/_guide/">Leitfaden für die Redaktion</a>.</p>
{%- if issues %}
<table class="list">
<thead><tr><th>Ausgabe</th><th>Datum</th><th>Titel</th><th>Datei</th><th>Ansehen</th></tr></thead>
<tbody>
{%- for i in issues %}
<tr><td>{{ i.number }}</td><td>{{ i.date.strftime("%d.%m.%Y") }}</td>
<td>{{ i.title }}{% if i.draft %} <span class="draft">Entwurf</span>{% endif %}</td>
<td><code>{{ i.source }}</code></td>
<td><a href="/_email/{{ i.slug | urlencode }}/">E-Mail</a> ·
<a href="/{{ i.url }}">Seite</a></td></tr>
{%- endfor %}
</tbody></table>
{%- else %}
<p>Es gibt noch keine Ausgabe. Eine neue legt <code>rundbrief new "Titel der Ausgabe"</code> an.</p>
{%- endif %}
{%- if warnings %}
<h2>Hinweise zum Inhalt</h2>
<pre class="warnings">{% for p in warnings %}{{ p }}
{% endfor %}</pre>
{%- endif %}
<p>Zuletzt gebaut in {{ "%.1f" | format(seconds) }} s.</p>
{% endblock %}"""

_EMAIL = """{% extends "layout" %}{% block main %}
<p><a href="/_email/">← alle E-Mails</a></p>
<h1>E-Mail: {{ issue.title }}{% if issue.draft %} <span class="draft">Entwurf</span>{% endif %}</h1>
<table class="facts">
<tr><th>Betreff</th><td>{{ facts.subject }}</td></tr>
<tr><th>Vorschauzeile</th><td>{{ preheader }}</td></tr>
<tr><th>Absender</th><td>{{ facts.sender }}</td></tr>
{%- if facts.reply_to %}<tr><th>Antwort an</th><td>{{ facts.reply_to }}</td></tr>{% endif %}
<tr><th>Größe</th><td>{{ ("%.1f" | format(facts.size / 1024)) | replace(".", ",") }} KB von höchstens 100 KB ({{ facts.size_percent }} %, {{ facts.size_state }})</td></tr>
<tr><th>Datei</th><td><code>{{ issue.source }}</code> · <a href="/{{ issue.url }}">die Seite der Ausgabe</a></td></tr>
</table>
<h2>Prüfung für E-Mail-Programme</h2>
{%- if facts.errors %}<pre class="errors">{% for m in facts.errors %}{{ m }}
{% endfor %}</pre>{% endif %}
{%- if facts.warnings %}<pre class="warnings">{% for m in facts.warnings %}{{ m }}
{% endfor %}</pre>{% endif %}
{%- if not facts.errors and not facts.warnings %}<p>Keine Beanstandungen: die E-Mail nutzt nichts, was Outlook, Gmail, Apple Mail,
GMX, WEB.DE, T-Online oder Thunderbird nicht darstellen.</p>{% endif %}
<h2>So sieht sie aus</h2>
<div class="frames">
<figure><figcaption>am Computer (600 px breit)</figcaption>{{ frame("normal", 600) }}</figure>
<figure><figcaption>am Telefon (375 px breit)</figcaption>{{ frame("normal", 375) }}</figure>
</div>
<h2>In anderen E-Mail-Programmen</h2>
<div class="frames">
<figure><figcaption>GMX und WEB.DE am Computer: ohne &lt;style&gt;, nur die eingebetteten Stile</figcaption>{{ frame("ohne-style", 600) }}</figure>
<figure><figcaption>dunkler Modus (Apple Mail, iOS): die Regeln der E-Mail für dunkle Darstellung</figcaption>{{ frame("dunkel", 600) }}</figure>
<figure><figcaption>Bilder blockiert: statt der Bilder ihr Alternativtext</figcaption>{{ frame("ohne-bilder", 600) }}</figure>
</div>
<h2>Textfassung</h2>
<p>Diese Fassung zeigen Programme, die kein HTML anzeigen, und Vorleseprogramme mancher Nutzerinnen und Nutzer.</p>
<pre class="text">{{ facts.text }}</pre>
<script>
document.querySelectorAll("iframe[data-fit]").forEach(function (frame) {
  frame.addEventListener("load", function () {
    try { frame.style.height = (frame.contentDocument.documentElement.scrollHeight + 20) + "px"; } catch (e) {}
  });
});
</script>
{% endblock %}"""

_GUIDE = """{% extends "layout" %}{% block main %}<div class="guide">{{ body }}</div>{% endblock %}"""


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {
                "layout": _LAYOUT,
                "errors": _ERRORS,
                "building": _BUILDING,
                "not_found": _NOT_FOUND,
                "index": _INDEX,
                "email": _EMAIL,
                "guide": _GUIDE,
            }
        ),  # fmt: skip
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["guide_errors"] = GUIDE_ERRORS
    return env


_ENV = _environment()


def _render(template: str, build: int, **values: object) -> str:
    return _ENV.get_template(template).render(reload=Markup(reload_script(build)), **values)


def error_page(build: int, errors: Sequence[Problem | str], warnings: Sequence[Problem | str] = ()) -> str:
    """The page every address shows while the content has errors, in the editor's language (the
    problems are, too: generator/i18n.py)."""
    texts = {
        "heading": _("The content has errors"),
        "intro": _(
            "The preview shows the pages again as soon as these errors are fixed; it then reloads by itself. "
            "Every line names the file and the line in it"
        ),
        "shape": _("file:line: error: message"),
        "notes": _("Notes"),
        "meaning": _("What the messages mean:"),
        "guide": _("Guide, section “What the messages mean”"),
    }
    return _render(
        "errors", build, title=_("Errors in the content"), t=texts,
        errors=[str(p) for p in errors], warnings=[str(p) for p in warnings],
    )  # fmt: skip


def building_page(build: int) -> str:
    return _render("building", build, title="Wird erstellt")


def not_found_page(build: int, path: str) -> str:
    return _render("not_found", build, title="Nicht gefunden", path=path)


def index_page(build: int, done: PreviewBuild) -> str:
    return _render(
        "index",
        build,
        title="E-Mails",
        issues=done.issues,
        warnings=[str(p) for p in done.warnings],
        seconds=done.seconds,
    )


def email_page(build: int, issue: IssueEntry, facts: EmailFacts) -> str:
    slug = jinja2.filters.do_urlencode(issue.slug)

    def frame(name: str, width: int) -> Markup:
        label = f"{VARIANTS[name]}, {width} px"
        return Markup(
            '<iframe data-fit src="/_email/{}/email.html?ansicht={}" width="{}" height="900" title="{}" '
            'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"></iframe>'
        ).format(slug, name, width + 2, f"E-Mail, {label}")

    return _render(
        "email", build, title=f"E-Mail {issue.title}", issue=issue, facts=facts, preheader=issue.preheader, frame=frame
    )


_GUIDE_PREVIEW_LINK = re.compile(r'href="https?://(?:127\.0\.0\.1|localhost):8000/')


def guide_page(build: int) -> str:
    text = resources.files("generator.preview").joinpath(GUIDE_FILE).read_text(encoding="utf-8")
    body = markdown.markdown(text, extensions=["tables", "fenced_code", "toc"], output_format="html")
    # The guide names the default address (http://127.0.0.1:8000/...); its links lead to this
    # preview's own pages, whatever address and port it serves at.
    body = _GUIDE_PREVIEW_LINK.sub('href="/', body)
    return _render("guide", build, title="Leitfaden für die Redaktion", body=Markup(body))
