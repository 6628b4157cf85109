"""The review pages' Jinja templates and stylesheet (autoescaped; no inline script: the one
script is ``/static/review.js``, see ``script.py``)."""

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
tr.cur { outline: 2px solid #e0a000; } .pager a, .pager span { margin-right: 1em; }
.filters label { margin-right: .8em; } .keys { color: #555; font-size: 12px; }
table.readings td.diff { background: #fff3c4; font-weight: bold; } tr.now th { background: #e3f6e3; }
.dec { color: #6a1b9a; font-weight: bold; } #selection-preview { font-family: monospace; background: #e8eefc; }
nav.items a { margin-right: 1em; }
"""

BASE = """<!doctype html>
<html lang="{{ 'en' if lang == 'en' else 'zh-CN' }}"><head><meta charset="utf-8"><title>{% block title %}{{ t('app') }}{% endblock %}</title>
<link rel="stylesheet" href="/static/review.css"><script src="/static/review.js" defer></script></head>
<body><header><strong>{{ t('app') }}</strong>
{% if reviewer %}<a href="/queue" id="nav-queue">{{ t('queue') }}</a><a href="/reports">{{ t('reports') }}</a>{% endif %}
<a id="lang" href="/lang?to={{ 'zh' if lang == 'en' else 'en' }}&amp;next={{ here|urlencode }}">{{ t('language') }}</a>
{% if reviewer %}<form method="post" action="/logout"><input type="hidden" name="csrf" value="{{ csrf }}">
{{ t('signed_in_as') }} <span id="who">{{ reviewer.name }}</span> <button>{{ t('sign_out') }}</button></form>{% endif %}
</header><main>{% block main %}{% endblock %}</main></body></html>
"""

LOGIN = """{% extends "base" %}{% block title %}{{ t('sign_in') }}{% endblock %}{% block main %}
<h1>{{ t('sign_in') }}</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" action="/login">
<p><label>{{ t('name') }} <input name="name" id="name" autocomplete="username"></label></p>
<p><label>{{ t('secret') }} <input name="secret" id="secret" type="password" autocomplete="current-password"></label></p>
<input type="hidden" name="next" value="{{ next }}">
<p><button id="signin">{{ t('sign_in') }}</button></p></form>
<p>{{ t('token_alone') }}</p>
{% endblock %}"""

QUEUE = """{% extends "base" %}{% block title %}{{ t('queue') }}{% endblock %}{% block main %}
<h1>{{ t('review_queue') }}</h1>
<p id="queue-count" data-fields="{{ fields }}" data-items="{{ total }}">{{ t('open_count', n=fields, d=decisions) }}
{{ t('open_fields', n=total) }} ·
{% if filters.everything %}{{ t('every_unreviewed') }} · <a href="{{ everything_link }}">{{ t('only_review_list') }}</a>{% else %}{{ t('only_review_list') }} · <a href="{{ everything_link }}">{{ t('every_unreviewed') }}</a>{% endif %}</p>
<form method="get" action="/queue" class="filters" id="filters"><strong>{{ t('filters') }}</strong>
<input type="hidden" name="all" value="{{ 1 if filters.everything else 0 }}">
<label>{{ t('report') }} <select name="report" id="f-report"><option value="">{{ t('any') }}</option>
{% for rid, name in reports.items() %}<option value="{{ rid }}"{{ ' selected' if filters.report_id == rid else '' }}>{{ rid }} · {{ name }}</option>{% endfor %}</select></label>
<label>{{ t('table') }} <select name="table" id="f-table"><option value="">{{ t('any') }}</option>
{% for name in tables %}<option value="{{ name }}"{{ ' selected' if filters.table == name else '' }}>{{ t(name) }}</option>{% endfor %}</select></label>
<label>{{ t('reason') }} <select name="reason" id="f-reason"><option value="">{{ t('any') }}</option>
{% for name in reasons %}<option value="{{ name }}"{{ ' selected' if filters.reason == name else '' }}>{{ t(name) }}</option>{% endfor %}</select></label>
<label>{{ t('conf_min') }} <input name="cmin" id="f-cmin" size="4" value="{{ '' if filters.min_confidence is none else filters.min_confidence }}"></label>
<label>{{ t('conf_max') }} <input name="cmax" id="f-cmax" size="4" value="{{ '' if filters.max_confidence is none else filters.max_confidence }}"></label>
<label>{{ t('per_page') }} <select name="per" id="f-per">{% for n in per_choices %}<option{{ ' selected' if n == per else '' }}>{{ n }}</option>{% endfor %}</select></label>
<button id="f-apply">{{ t('apply') }}</button> <a href="/queue">{{ t('clear') }}</a></form>
<p class="pager" id="pager">{% if page > 1 %}<a id="prev-page" href="{{ link(page - 1) }}">← {{ t('prev_page') }}</a>{% endif %}
<span id="page-of">{{ t('page_of', page=page, pages=pages) }}</span>
{% if page < pages %}<a id="next-page" href="{{ link(page + 1) }}">{{ t('next_page') }} →</a>{% endif %}</p>
<p class="keys">{{ t('keys') }}</p>
{% if items %}
<form method="post" action="/bulk-accept" id="bulk">
<input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="next" value="{{ here }}">
<table id="queue"><tr><th></th><th>{{ t('confidence') }}</th><th>{{ t('report') }}</th><th>{{ t('field') }}</th><th>{{ t('value') }}</th><th>{{ t('status') }}</th><th>{{ t('reasons') }}</th><th>{{ t('failed_rules') }}</th></tr>
{% for f in items %}{% set dec = decision_rows.get((f.report_id, f.table, f.row)) or decision_rows.get((f.report_id, f.table, "")) %}<tr class="st-{{ f.head.status }}" data-field="{{ f.id }}"{% if dec %} data-decision="1"{% endif %}>
<td>{% if not dec %}<input type="checkbox" name="item" value="{{ f.id }}:{{ f.head.id }}">{% endif %}</td>
<td class="num{{ ' low' if f.confidence < 0.6 else '' }}">{{ "%.2f"|format(f.confidence) }}</td>
<td>{{ reports[f.report_id] }}</td>
<td><a class="open" href="/reports/{{ f.report_id }}?field={{ f.id }}#focus">{% if dec %}<span class="dec">{{ t('decision') }}</span> · {{ t(f.table) }}{% if (f.report_id, f.table, f.row) in decision_rows %} · {{ row_label(f.table, f.row) }}{% endif %} ({{ t('kind_' + dec[0]) }}, {{ dec[1] }}){% else %}{{ label(f) }}{% endif %}</a></td>
<td>{{ '' if dec else shown(f.head, lang) }}</td><td>{{ t(f.head.status) }}</td>
<td>{% for r in f.reasons %}{{ t(r) }}{{ "、" if not loop.last else "" }}{% endfor %}</td>
<td>{% for r in f.rules %}<div><span class="rule">{{ r.rule }}</span>{% if r.detail %}: {{ r.detail }}{% endif %}</div>{% endfor %}</td>
</tr>{% endfor %}</table>
<p><button name="action" value="accept" id="bulk-accept">{{ t('accept_selected') }}</button></p></form>
{% endif %}
{% if by_report %}<h2>{{ t('by_report') }}</h2><table id="by-report">
{% for rid, n, _, _, latest in by_report %}<tr data-report="{{ rid }}"><td><a href="/queue?report={{ rid }}&amp;all={{ 1 if filters.everything else 0 }}">{{ reports.get(rid, rid) }}</a></td><td class="num">{{ n }}</td>
<td><form method="post" action="/reports/{{ rid }}/accept-open"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="seen" value="{{ latest }}"><input type="hidden" name="all" value="{{ 1 if filters.everything else 0 }}">
<input type="hidden" name="next" value="{{ here }}"><button class="accept-report">{{ t('accept_report', n=n) }}</button></form></td></tr>{% endfor %}</table>{% endif %}
{% endblock %}"""

REPORTS = """{% extends "base" %}{% block title %}{{ t('reports') }}{% endblock %}{% block main %}
<h1>{{ t('reports') }}</h1><table><tr><th>#</th><th>{{ t('report') }}</th><th>{{ t('source') }}</th><th>{{ t('model') }}</th></tr>
{% for r in reports %}<tr><td>{{ r.id }}</td><td><a href="/reports/{{ r.id }}">{{ r.agency or "?" }} {{ r.year or "" }}</a></td>
<td>{{ r.name }}</td><td>{{ r.model_version }}</td></tr>{% endfor %}</table>{% endblock %}"""

REPORT = """{% extends "base" %}{% block title %}{{ report.agency or report.name }}{% endblock %}{% block main %}
<h1 id="report-title">{{ report.agency or "?" }} {{ report.year or "" }} <small>({{ report.name }}, {{ t('template') }} {{ report.template }}, {{ t('model') }} {{ report.model_version }})</small></h1>
<nav class="items">{% if prev_link %}<a id="prev-item" href="{{ prev_link }}">← {{ t('prev_item') }}</a>{% endif %}
<a id="next-item" href="{{ next_link }}">{{ t('next_item') }} →</a> <span class="keys">{{ t('keys') }} · s {{ t('use_selection') }}</span></nav>
<div class="cols">
<div class="source" id="source">{% if source %}<pre id="source-text">
{{ source }}</pre>{% else %}<p class="missing">{{ t('source_missing') }}</p>{% endif %}</div>
<div class="side">
{% if decision %}<div class="panel" id="decision-panel" data-decision="{{ decision.id }}">
<h2>{{ t('decision') }}: {{ table_titles.get(decision.table, decision.table) }}{% if decision.row %} · {{ row_label(decision.table, decision.row) }}{% endif %} <small>({{ t('kind_' + decision.kind) }})</small></h2>
<p>{{ t('decision_help') }}</p>
{% set keys, hidden = decision_cols(decision) %}{% if hidden %}<p>{{ t('same_cells', n=hidden) }}</p>{% endif %}
<table class="readings" id="readings"><tr><th></th>{% for r, c in keys %}<th>{% if not decision.row %}{{ row_label(decision.table, r) }} · {% endif %}{{ col_label(decision.table, c) }}</th>{% endfor %}<th>{{ t('score') }}</th><th></th></tr>
{% for cells in decision.readings %}{% set i = loop.index %}{% set bycol = dict_of(cells) %}
<tr class="reading{{ ' now' if decision.current == loop.index0 else '' }}" data-reading="{{ i }}"><th>{{ t('reading', n=i) }}{% if decision.current == loop.index0 %} ({{ t('current_reading') }}){% endif %}</th>
{% for key in keys %}{% set cell = bycol.get(key) %}<td class="num{{ ' diff' if differs(decision, key, cell) else '' }}">{{ cell.raw if cell else '' }}</td>{% endfor %}
<td class="num">{{ '' if decision.scores[loop.index0] is none else "%.2f"|format(decision.scores[loop.index0]) }}</td>
<td><form method="post" action="/decisions/{{ decision.id }}/choose"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="reading" value="{{ i }}">{% for f in decision_items %}<input type="hidden" name="item" value="{{ f.id }}:{{ f.head.id }}">{% endfor %}
<button id="choose-{{ i }}" title="{{ t('choose') }}">{{ t('choose_short') }} ({{ i }})</button></form></td></tr>{% endfor %}</table></div>{% endif %}
{% if field %}<div class="panel" id="field-panel" data-field="{{ field.id }}" data-revision="{{ field.head.id }}">
<h2>{{ label(field) }}</h2>
<p>{{ t('value') }} <strong id="field-value">{{ shown(field.head, lang) }}</strong> · {{ t('state') }} {{ field.head.state }} {% if field.head.unit %} · {{ t('unit') }} {{ field.head.unit }}{% endif %}
· {{ t('printed') }} <code>{{ field.head.raw }}</code> · {{ t('confidence') }} <span class="{{ 'low' if field.confidence < 0.6 else '' }}">{{ "%.2f"|format(field.confidence) }}</span>
· {{ t('status') }} <span id="field-status" data-status="{{ field.head.status }}">{{ t(field.head.status) }}</span></p>
{% if field.reasons %}<p>{{ t('reasons') }}: {% for r in field.reasons %}{{ t(r) }}{{ "、" if not loop.last else "" }}{% endfor %}</p>{% endif %}
{% for r in field.rules %}<p>{{ t('failed_rules') }} <span class="rule">{{ r.rule }}</span>{% if r.detail %}: {{ r.detail }}{% endif %}</p>{% endfor %}
<form method="post" action="/fields/{{ field.id }}/accept"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="revision" value="{{ field.head.id }}"><button id="accept">{{ t('accept') }} (a)</button></form>
<form method="post" action="/fields/{{ field.id }}/edit"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="revision" value="{{ field.head.id }}">
<input name="value" id="edit-value" value="{{ field.head.raw }}" size="10">
<select name="state"><option value="auto">{{ t('as_typed') }}</option><option value="missing">{{ t('not_printed') }}</option></select>
<input name="note" placeholder="{{ t('note') }}" size="12"><button id="edit">{{ t('save_correction') }} (c)</button></form>
{% if source %}<form method="post" action="/fields/{{ field.id }}/span" id="span-form"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="revision" value="{{ field.head.id }}"><input type="hidden" name="start" id="span-start" value="0">
<input type="hidden" name="end" id="span-end" value="0"><span class="keys">{{ t('select_hint') }}</span>
<span id="selection-preview"></span> <button id="use-selection" disabled>{{ t('use_selection') }} (s)</button></form>{% endif %}
<form method="post" action="/fields/{{ field.id }}/mark"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="revision" value="{{ field.head.id }}"><input name="note" placeholder="{{ t('why') }}" size="12">
<button id="mark">{{ t('mark_wrong') }}</button></form>
<details><summary>{{ t('history') }} ({{ history|length }})</summary><table id="history">
<tr><th>#</th><th>{{ t('when') }}</th><th>{{ t('who') }}</th><th>{{ t('action') }}</th><th>{{ t('old') }}</th><th>{{ t('new') }}</th><th>{{ t('model') }}</th><th>{{ t('note') }}</th></tr>
{% for h in history %}<tr><td>{{ h.id }}</td><td>{{ h.created_at.strftime("%Y-%m-%d %H:%M:%S %Z") }}</td><td>{{ h.reviewer or t('extractor') }}</td>
<td>{{ h.action }}</td><td>{{ h.old_raw if h.old_raw is not none else "" }}{% if h.old_state %} ({{ h.old_state }}){% endif %}</td>
<td>{{ h.raw }} ({{ h.state }}){% if h.start is not none %} @{{ h.start }}:{{ h.end }}{% endif %}</td><td>{{ h.model_version }}</td><td>{{ h.note }}</td></tr>{% endfor %}</table></details>
</div>{% endif %}
{% if open_items %}<form method="post" action="/reports/{{ report.id }}/accept-open"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="seen" value="{{ report_latest }}"><input type="hidden" name="next" value="/reports/{{ report.id }}">
<button id="accept-all">{{ t('accept_all', n=open_items|length) }}</button></form>{% endif %}
<div id="checks"><h3>{{ t('checks') }}</h3>{% if checks %}<p>{{ t('checks_failed', n=checks|length) }}</p><ul>{% for rule in checks %}<li class="rule">{{ rule }}</li>{% endfor %}</ul>
{% else %}<p id="checks-ok">{{ t('checks_ok') }}</p>{% endif %}</div>
{% for t_ in tables %}<h3>{{ t_.name }}</h3><table class="rebuilt" id="table-{{ t_.name }}"><tr><th></th>{% for c in t_.cols %}<th>{{ c.label }}</th>{% endfor %}</tr>
{% for r in t_.rows %}<tr><th>{{ r.label }}</th>{% for f in r.cells %}{% if f %}<td class="num st-{{ f.head.status }}{{ ' focus-cell' if field and f.id == field.id else '' }}{{ ' low' if f.in_review and f.head.status in ('pending', 'wrong') else '' }}" data-field="{{ f.id }}">
<a href="/reports/{{ report.id }}?field={{ f.id }}#focus">{{ shown(f.head, lang) or "\u00a0" }}</a></td>{% else %}<td class="missing"></td>{% endif %}{% endfor %}</tr>{% endfor %}
</table>{% endfor %}
<details id="details"{{ ' open' if edits else '' }}><summary>{{ t('metadata') }}</summary>
<form method="post" action="/reports/{{ report.id }}/details" id="details-form"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="seen" value="{{ seen_edit }}">
<p><label>{{ t('agency') }} <input name="agency" id="d-agency" value="{{ report.agency or '' }}" size="30"></label>
<label>{{ t('year') }} <input name="year" id="d-year" value="{{ report.year or '' }}" size="5"></label>
<label>{{ t('template') }} <select name="template" id="d-template">{% for c in template_choices %}<option{{ ' selected' if c == report.template else '' }}>{{ c }}</option>{% endfor %}</select></label></p>
<p>{{ t('headings') }}:</p>{% for n in range(1, 7) %}<p><label>{{ n }} <input name="title_{{ n }}" id="d-title-{{ n }}" value="{{ sections.get(n, '') }}" size="40"></label></p>{% endfor %}
<p><input name="note" placeholder="{{ t('note') }}" size="20"> <button id="save-details">{{ t('save') }}</button></p></form>
{% if edits %}<table id="detail-history"><tr><th>#</th><th>{{ t('when') }}</th><th>{{ t('who') }}</th><th>{{ t('field') }}</th><th>{{ t('old') }}</th><th>{{ t('new') }}</th><th>{{ t('note') }}</th></tr>
{% for e in edits %}<tr><td>{{ e.id }}</td><td>{{ e.created_at.strftime("%Y-%m-%d %H:%M:%S %Z") }}</td><td>{{ e.reviewer }}</td><td>{{ t(e.key) }}</td>
<td>{{ e.old }}</td><td>{{ e.new }}</td><td>{{ e.note }}</td></tr>{% endfor %}</table>{% endif %}</details>
</div></div>{% endblock %}"""

MESSAGE = """{% extends "base" %}{% block title %}{{ title }}{% endblock %}{% block main %}
<h1>{{ title }}</h1><p class="error" id="message">{{ message }}</p>
{% if current %}<p>{{ t('now_at', id=current.id) }}: {{ current.action }} · {{ current.reviewer or t('extractor') }}
· {{ current.created_at.strftime("%Y-%m-%d %H:%M:%S %Z") }} · <strong id="current-value">{{ current.raw }}</strong> ({{ current.state }}, {{ t(current.status) }}).
{{ t('not_saved_yours') }}</p>{% endif %}
{% if back %}<p><a href="{{ back }}" id="back">{{ t('back') }}</a></p>{% endif %}{% endblock %}"""

TEMPLATES = {"base": BASE, "login": LOGIN, "queue": QUEUE, "reports": REPORTS, "report": REPORT, "message": MESSAGE}
