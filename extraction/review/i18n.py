"""The review app's words in Chinese (the default) and English.

A page's language is the ``nb_lang`` cookie (``zh`` or ``en``), set by ``/lang?to=en``; every
visible word of the pages goes through :func:`translate`. Report text is never translated.
"""

from __future__ import annotations

from typing import get_args

from nianbao.contract import ReviewReason

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_COOKIE = "nb_lang"

# The review reasons the extractor gives (the contract's ReviewReason) that the filter offers (all but
# prose_evidence), and the review app's own reason: a reviewer's value the next extraction disagrees with.
REASONS = (*(r for r in get_args(ReviewReason) if r != "prose_evidence"), "disagrees_with_review")

WORDS: dict[str, tuple[str, str]] = {
    "app": ("年报数据审核", "nianbao review"),
    "queue": ("待审队列", "Queue"),
    "reports": ("报告", "Reports"),
    "signed_in_as": ("当前审核人", "signed in as"),
    "sign_out": ("退出", "Sign out"),
    "sign_in": ("登录", "Sign in"),
    "name": ("姓名", "Name"),
    "secret": ("令牌或密码", "Token or password"),
    "token_alone": (
        "只填令牌（不填姓名）也可以。审核人用 nianbao review add-reviewer NAME 创建。",
        "A token alone (without a name) also works. Reviewers are created with nianbao review add-reviewer NAME.",
    ),
    "bad_login": ("姓名或令牌/密码不正确。", "Unknown name or wrong token/password."),
    "review_queue": ("待审队列", "Review queue"),
    "open_fields": ("{n} 个待审项", "{n} open item(s)"),
    "open_count": (
        "待审字段共 {n} 个，共 {d} 个整行决定；按置信度从低到高排列。",
        "{n} open fields, {d} of them grouped as whole-row decisions; lowest confidence first.",
    ),
    "page_of": ("第 {page} / {pages} 页", "page {page} of {pages}"),
    "prev_page": ("上一页", "Previous page"),
    "next_page": ("下一页", "Next page"),
    "only_review_list": ("只看提取器的复核清单", "only the extractor's review list"),
    "every_unreviewed": ("所有未审核字段", "every unreviewed field"),
    "filters": ("筛选", "Filters"),
    "report": ("报告", "report"),
    "table": ("表", "table"),
    "reason": ("原因", "reason"),
    "confidence": ("置信度", "confidence"),
    "conf_min": ("置信度下限", "confidence from"),
    "conf_max": ("置信度上限", "confidence to"),
    "per_page": ("每页", "per page"),
    "any": ("全部", "any"),
    "apply": ("应用", "Apply"),
    "clear": ("清除", "Clear"),
    "field": ("字段", "field"),
    "value": ("值", "value"),
    "status": ("状态", "status"),
    "reasons": ("原因", "reasons"),
    "failed_rules": ("未通过的校验", "failed rules"),
    "accept_selected": ("接受所选", "Accept selected"),
    "by_report": ("按报告", "By report"),
    "accept_report": ("接受该报告全部 {n} 个待审项", "Accept all {n} open fields of this report"),
    "source_missing": ("载入报告时没有附带原文。", "The source text was not loaded with this report."),
    "template": ("模板", "template"),
    "model": ("模型", "model"),
    "source": ("文件", "source"),
    "state": ("形态", "state"),
    "unit": ("单位", "unit"),
    "printed": ("原文", "printed"),
    "accept": ("接受", "Accept"),
    "save_correction": ("保存更正", "Save correction"),
    "as_typed": ("按输入", "as typed"),
    "not_printed": ("未印出", "not printed"),
    "note": ("备注", "note"),
    "why": ("原因", "why"),
    "mark_wrong": ("标记为错误", "Mark as wrong"),
    "history": ("修改记录", "history"),
    "when": ("时间（UTC）", "when (UTC)"),
    "who": ("审核人", "who"),
    "action": ("操作", "action"),
    "old": ("原值", "old"),
    "new": ("新值", "new"),
    "extractor": ("提取器", "extractor"),
    "accept_all": ("接受本报告全部 {n} 个待审项", "Accept all {n} open fields under review in this report"),
    "checks": ("按当前值重新校验", "Checks on the current values"),
    "checks_ok": ("全部校验通过。", "Every check passes."),
    "checks_failed": ("{n} 条校验未通过：", "{n} check(s) fail:"),
    "not_printed_value": ("（未印出）", "(not printed)"),
    "keys": (
        "快捷键：a 接受 · c 更正 · j/n 下一项 · k/p 上一项",
        "Keys: a accept · c correct · j/n next · k/p previous",
    ),
    "prev_item": ("上一项", "Previous"),
    "next_item": ("下一项", "Next"),
    "select_hint": (
        "在原文中选中正确的数字，然后按“用所选更正”（快捷键 s）。",
        "Select the right number in the source text, then press “Correct from selection” (key s).",
    ),
    "use_selection": ("用所选更正", "Correct from selection"),
    "decision": ("整行决定", "Whole-row decision"),
    "decision_help": (
        "提取器对这一行保留了几种读法；选一种，该行所有单元格一起采用（有记录）。",
        "The extractor kept several readings of this row; choosing one sets every cell of the row (audited).",
    ),
    "reading": ("读法 {n}", "Reading {n}"),
    "current_reading": ("当前", "current"),
    "choose": ("采用此读法", "Choose this reading"),
    "choose_short": ("采用", "Choose"),
    "same_cells": (
        "另有 {n} 个单元格在各读法中相同，未列出。",
        "{n} more cells are the same in every reading and not shown.",
    ),
    "kind_placement": ("位置不确定", "placement"),
    "kind_split": ("数字拆分不确定", "digit split"),
    "score": ("得分", "score"),
    "metadata": ("报告信息", "Report details"),
    "agency": ("机关", "agency"),
    "year": ("年度", "year"),
    "headings": ("标题", "headings"),
    "save": ("保存", "Save"),
    "meta_history": ("报告信息修改记录", "Changes to the report's details"),
    "sign_in_first": ("请先登录", "Sign in first"),
    "anonymous": ("匿名用户不能修改任何内容。", "Anonymous users cannot change anything."),
    "refused": ("已拒绝", "Refused"),
    "stale_csrf": (
        "表单的安全令牌缺失或已过期；请刷新页面。",
        "The form's security token is missing or stale; reload the page.",
    ),
    "not_found": ("未找到", "Not found"),
    "no_report": ("没有编号为 {id} 的报告。", "There is no report {id}."),
    "not_saved": ("未保存", "Not saved"),
    "conflict": ("冲突：有人先修改了这个字段", "Conflict: someone changed this field first"),
    "conflict_seen": (
        "你看到的是修订 {seen}；此后已有另一次修改。",
        "You saw revision {seen}; another change was saved after it.",
    ),
    "conflict_bulk": ("冲突：没有接受任何字段", "Conflict: nothing was accepted"),
    "conflict_bulk_text": (
        "字段 {field} 在你看到修订 {seen} 之后被修改了。",
        "Field {field} changed after you saw revision {seen}.",
    ),
    "conflict_meta": ("冲突：有人先修改了报告信息", "Conflict: someone changed the report's details first"),
    "malformed": ("选择格式不正确。", "Malformed selection."),
    "now_at": ("该字段现在是修订 {id}", "The field is now at revision {id}"),
    "not_saved_yours": ("你的修改没有保存。", "Your change was not saved."),
    "back": ("返回该字段", "Back to the field"),
    "unknown_action": ("未知操作 {action}。", "Unknown action {action}."),
    "language": ("English", "中文"),
    "low_confidence": ("置信度低", "low confidence"),
    "ambiguous_placement": ("位置不确定", "ambiguous placement"),
    "ambiguous_split": ("数字拆分不确定", "ambiguous split"),
    "check_failed": ("校验未通过", "check failed"),
    "narrative_mismatch": ("与正文不符", "narrative mismatch"),
    "row_not_found": ("未找到该行", "row not found"),
    "unparsed_value": ("无法读出数值", "unparsed value"),
    "letters_as_digits": ("字母读作数字", "letters read as digits"),
    "disagrees_with_review": ("与已审核的值不同", "disagrees with a reviewed value"),
    "pending": ("待审", "pending"),
    "accepted": ("已接受", "accepted"),
    "corrected": ("已更正", "corrected"),
    "wrong": ("标记错误", "wrong"),
    "active": ("主动公开", "active"),
    "requests": ("依申请公开", "requests"),
    "appeals": ("复议诉讼", "appeals"),
}


def pick_lang(value: str | None) -> str:
    """A supported language code (the default for anything else)."""
    return value if value in LANGS else DEFAULT_LANG


def translate(lang: str, key: str, **values: object) -> str:
    """The words of ``key`` in ``lang`` with ``values`` filled in (the key itself if unknown)."""
    pair = WORDS.get(key)
    if pair is None:
        return key
    words = pair[1] if lang == "en" else pair[0]
    return words.format(**values) if values else words
