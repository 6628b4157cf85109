"""The review pages' Jinja templates and stylesheet (autoescaped; no scripts at all)."""

from __future__ import annotations

CSS = """
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 0; color: #1d1d1f; }
header { background: #23395d; color: #fff; padding: .5em 1em; display: flex; gap: 1.5em; align-items: center; }
header a { color: #fff; } header form { margin-left: auto; }
main { padding: 1em; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #ccc; padding: 2px 5px; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cols { display: flex; gap: 1em; align-items: flex-start; }
.source { flex: 1 1 45%; height: 85vh; overflow: auto; border: 1px solid #ccc; }
.source pre { white-space: pre-wrap; margin: 0; padding: .5em; font-size: 13px; line-height: 1.5; }
.side { flex: 1 1 55%; max-height: 85vh; overflow: auto; }
span.v { background: #e8eefc; border-bottom: 1px solid #8aa4e0; }
span.v a { color: inherit; text-decoration: none; }
mark.focus { background: #ffd54a; outline: 2px solid #e0a000; padding: 0 1px; scroll-margin-top: 30vh; }
.st-accepted { background: #e3f6e3; } .st-corrected { background: #d8ecff; } .st-wrong { background: #ffdede; }
.low { color: #b00020; font-weight: bold; } .focus-cell { outline: 3px solid #e0a000; }
.missing { color: #999; } .panel { border: 1px solid #ccc; padding: .5em 1em; margin-bottom: 1em; }
.panel form { display: inline-block; margin: .3em .6em .3em 0; }
.error { background: #ffdede; padding: .5em 1em; border: 1px solid #b00020; }
.rule { font-family: monospace; }
"""

BASE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{% block title %}nianbao review{% endblock %}</title>
<link rel="stylesheet" href="/static/review.css"></head>
<body><header><strong>nianbao review</strong>
{% if reviewer %}<a href="/queue">Queue</a><a href="/reports">Reports</a>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="{{ csrf }}">
signed in as <span id="who">{{ reviewer.name }}</span> <button>Sign out</button></form>{% endif %}
</header><main>{% block main %}{% endblock %}</main></body></html>
"""

LOGIN = """{% extends "base" %}{% block title %}Sign in{% endblock %}{% block main %}
<h1>Sign in</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" action="/login">
<p><label>Name <input name="name" id="name" autocomplete="username"></label></p>
<p><label>Token or password <input name="secret" id="secret" type="password" autocomplete="current-password"></label></p>
<input type="hidden" name="next" value="{{ next }}">
<p><button id="signin">Sign in</button></p></form>
<p>A token alone (without a name) also works. Reviewers are created with <code>nianbao review add-reviewer NAME</code>.</p>
{% endblock %}"""

QUEUE = """{% extends "base" %}{% block title %}Queue{% endblock %}{% block main %}
<h1>Review queue</h1>
<p>{{ items|length }} open field{{ "" if items|length == 1 else "s" }}, lowest confidence first
({% if everything %}every unreviewed field; <a href="/queue">only the review list</a>{% else %}the extractor's review list; <a href="/queue?all=1">every unreviewed field</a>{% endif %}).</p>
{% if items %}
<form method="post" action="/bulk-accept" id="bulk">
<input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="next" value="{{ request_path }}">
<table id="queue"><tr><th></th><th>confidence</th><th>report</th><th>field</th><th>value</th><th>status</th><th>reasons</th><th>failed rules</th></tr>
{% for f in items %}<tr class="st-{{ f.head.status }}" data-field="{{ f.id }}">
<td><input type="checkbox" name="item" value="{{ f.id }}:{{ f.head.id }}"></td>
<td class="num{{ ' low' if f.confidence < 0.6 else '' }}">{{ "%.2f"|format(f.confidence) }}</td>
<td>{{ reports[f.report_id] }}</td>
<td><a class="open" href="/reports/{{ f.report_id }}?field={{ f.id }}#focus">{{ label(f) }}</a></td>
<td>{{ shown(f.head) }}</td><td>{{ f.head.status }}</td>
<td>{{ f.reasons|join(", ") }}</td>
<td>{% for r in f.rules %}<div><span class="rule">{{ r.rule }}</span>{% if r.detail %}: {{ r.detail }}{% endif %}</div>{% endfor %}</td>
</tr>{% endfor %}</table>
<p><button name="action" value="accept" id="bulk-accept">Accept selected</button></p></form>
{% endif %}{% endblock %}"""

REPORTS = """{% extends "base" %}{% block title %}Reports{% endblock %}{% block main %}
<h1>Reports</h1><table><tr><th>#</th><th>report</th><th>source</th><th>model</th></tr>
{% for r in reports %}<tr><td>{{ r.id }}</td><td><a href="/reports/{{ r.id }}">{{ r.agency or "?" }} {{ r.year or "" }}</a></td>
<td>{{ r.name }}</td><td>{{ r.model_version }}</td></tr>{% endfor %}</table>{% endblock %}"""

REPORT = """{% extends "base" %}{% block title %}{{ report.agency or report.name }}{% endblock %}{% block main %}
<h1 id="report-title">{{ report.agency or "?" }} {{ report.year or "" }} <small>({{ report.name }}, template {{ report.template }}, model {{ report.model_version }})</small></h1>
<div class="cols">
<div class="source" id="source">{% if source %}<pre>{{ source }}</pre>{% else %}<p class="missing">The source text was not loaded with this report.</p>{% endif %}</div>
<div class="side">
{% if field %}<div class="panel" id="field-panel" data-field="{{ field.id }}" data-revision="{{ field.head.id }}">
<h2>{{ label(field) }}</h2>
<p>value <strong id="field-value">{{ shown(field.head) }}</strong> · state {{ field.head.state }} {% if field.head.unit %} · unit {{ field.head.unit }}{% endif %}
· printed <code>{{ field.head.raw }}</code> · confidence <span class="{{ 'low' if field.confidence < 0.6 else '' }}">{{ "%.2f"|format(field.confidence) }}</span>
· status <span id="field-status">{{ field.head.status }}</span></p>
{% if field.reasons %}<p>reasons: {{ field.reasons|join(", ") }}</p>{% endif %}
{% for r in field.rules %}<p>failed rule <span class="rule">{{ r.rule }}</span>{% if r.detail %}: {{ r.detail }}{% endif %}</p>{% endfor %}
<form method="post" action="/fields/{{ field.id }}/accept"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="revision" value="{{ field.head.id }}"><button id="accept">Accept</button></form>
<form method="post" action="/fields/{{ field.id }}/edit"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="revision" value="{{ field.head.id }}">
<input name="value" id="edit-value" value="{{ field.head.raw }}" size="10">
<select name="state"><option value="auto">as typed</option><option value="missing">not printed</option></select>
<input name="note" placeholder="note" size="12"><button id="edit">Save correction</button></form>
<form method="post" action="/fields/{{ field.id }}/mark"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="revision" value="{{ field.head.id }}"><input name="note" placeholder="why" size="12">
<button id="mark">Mark as wrong</button></form>
<details><summary>history ({{ history|length }})</summary><table id="history">
<tr><th>#</th><th>when (UTC)</th><th>who</th><th>action</th><th>old</th><th>new</th><th>model</th><th>note</th></tr>
{% for h in history %}<tr><td>{{ h.id }}</td><td>{{ h.created_at.strftime("%Y-%m-%d %H:%M:%S %Z") }}</td><td>{{ h.reviewer or "extractor" }}</td>
<td>{{ h.action }}</td><td>{{ h.old_raw if h.old_raw is not none else "" }}{% if h.old_state %} ({{ h.old_state }}){% endif %}</td>
<td>{{ h.raw }} ({{ h.state }})</td><td>{{ h.model_version }}</td><td>{{ h.note }}</td></tr>{% endfor %}</table></details>
</div>{% endif %}
{% if open_items %}<form method="post" action="/bulk-accept"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="next" value="/reports/{{ report.id }}">
{% for f in open_items %}<input type="hidden" name="item" value="{{ f.id }}:{{ f.head.id }}">{% endfor %}
<button id="accept-all">Accept all {{ open_items|length }} open fields under review in this report</button></form>{% endif %}
{% for t in tables %}<h3>{{ t.name }}</h3><table class="rebuilt" id="table-{{ t.name }}"><tr><th></th>{% for c in t.cols %}<th>{{ c.label }}</th>{% endfor %}</tr>
{% for r in t.rows %}<tr><th>{{ r.label }}</th>{% for f in r.cells %}{% if f %}<td class="num st-{{ f.head.status }}{{ ' focus-cell' if field and f.id == field.id else '' }}{{ ' low' if f.in_review and f.head.status in ('pending', 'wrong') else '' }}" data-field="{{ f.id }}">
<a href="/reports/{{ report.id }}?field={{ f.id }}#focus">{{ shown(f.head) or "\u00a0" }}</a></td>{% else %}<td class="missing"></td>{% endif %}{% endfor %}</tr>{% endfor %}
</table>{% endfor %}
{% if checks %}<h3>Checks on the current values</h3><ul>{% for rule in checks %}<li class="rule">{{ rule }}</li>{% endfor %}</ul>{% endif %}
</div></div>{% endblock %}"""

MESSAGE = """{% extends "base" %}{% block title %}{{ title }}{% endblock %}{% block main %}
<h1>{{ title }}</h1><p class="error" id="message">{{ message }}</p>
{% if current %}<p>The field is now at revision {{ current.id }}: {{ current.action }} by {{ current.reviewer or "the extractor" }}
at {{ current.created_at.strftime("%Y-%m-%d %H:%M:%S %Z") }}, value <strong id="current-value">{{ current.raw }}</strong> ({{ current.state }}, {{ current.status }}).
Your change was not saved.</p>{% endif %}
{% if back %}<p><a href="{{ back }}" id="back">Back to the field</a></p>{% endif %}{% endblock %}"""

TEMPLATES = {"base": BASE, "login": LOGIN, "queue": QUEUE, "reports": REPORTS, "report": REPORT, "message": MESSAGE}
