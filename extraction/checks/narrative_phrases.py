"""The phrases the narrative checks read: counts, what they count, and the context that makes a count clear."""

from __future__ import annotations

import re

_N = r"(?P<n>(?<!\d)\d{1,12}(?:,\d{3}){0,4}(?!\d)|[零〇一二两三四五六七八九十]{1,3})"

_OBJ = r"(?:政府信息公开|依申请公开|信息公开|申请公开)(?:的)?(?:申请|件|事项)?(?:数量|总数)?"

_APPEAL = (
    r"(?:发生|收到|受理|涉及|提起|被提起|被申请|引发|产生|办理)?(?:因?(?P<gip>政府信息公开|政务公开|信息公"
    r"开)(?:引起|引发|而引起)?的?)?"
)

_TOTAL = r"(?:为|共|共计|合计|总计)?"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"(?:新收|收到|受理|接收|接到)(?:各类)?{_OBJ}{_TOTAL}{_N}件"), "received"),
    (re.compile(rf"(?:答复|办结)(?:政府信息公开|依申请公开)?(?:申请)?{_TOTAL}{_N}件"), "processed"),
    (
        re.compile(
            rf"(?:上一?年度?|去年)结转(?:的|下来的)?(?:政府信息公开|依申请公开)?(?:申请)?(?:数量)?(?:为)?{_N}件"
        ),
        "carried_over",
    ),
    (re.compile(rf"结转(?:到|至)?下一?年度?(?:继续)?(?:办理|答复)?(?:的)?(?:申请)?{_N}件"), "carried_forward"),
    (re.compile(rf"{_N}件(?:申请)?(?:顺延|结转)(?:到|至)?下一?年度?"), "carried_forward"),
    (
        re.compile(rf"(?:予以|同意|全部)公开(?:及|和|与|、|或)部分公开(?:的)?(?:申请)?{_TOTAL}{_N}件"),
        "granted_and_partially_granted",
    ),
    (re.compile(rf"(?:予以|同意|全部)公开(?:的)?(?:申请)?{_N}件"), "granted"),
    (re.compile(rf"部分公开(?:的)?(?:申请)?{_N}件"), "partially_granted"),
    (re.compile(rf"不予公开(?:的)?(?:政府信息|信息)?(?:申请)?{_N}件"), "denied"),
    (re.compile(rf"无法提供(?:的)?(?:政府信息|信息)?(?:申请)?{_N}件"), "unavailable"),
    (re.compile(rf"不予处理(?:的)?(?:申请)?{_N}件"), "not_processed"),
    (re.compile(rf"其他处理(?:的)?(?:申请)?{_N}件"), "other_processing"),
    (re.compile(rf"{_APPEAL}行政复议(?:案件|申请)?{_TOTAL}{_N}件"), "reconsideration"),
    (re.compile(rf"{_APPEAL}行政诉讼(?:案件)?{_TOTAL}{_N}件"), "litigation"),
    (re.compile(rf"(?P<verb>现行有效|制发|印发|废止)(?:的)?(?P<doc>(?:行政)?规范性文件|规章){_TOTAL}{_N}件"), "active"),
    (re.compile(rf"(?P<doc>(?:行政)?规范性文件|规章)(?P<verb>现行有效)(?:的)?{_TOTAL}{_N}件"), "active"),
]

_WITH_CARRIED = re.compile(r"\(?(?:含|其中|包括)(?:上一?年度?|去年)结转")

_BREAKDOWN = re.compile(rf"(?:其中)?(?:结果)?(?P<kind>维持|纠正|其他结果|尚未审结|未审结){_N}件")

_BREAKDOWN_COLS = {
    "维持": "upheld",
    "纠正": "corrected",
    "其他结果": "other",
    "尚未审结": "pending",
    "未审结": "pending",
}

_ZERO_RECEIVED = re.compile(
    r"(?:未|没有)(?:收到|接到|受理)(?:任何)?(?:[\u4e00-\u9fff]{0,4}?提出的?)?(?:政府信息公开|依申请公开|申请公开)"
)

_ZERO_RECEIVED_TAIL = re.compile(r"(?:的)?(?:申请|事项|诉求|件|情况)*")

_ZERO_APPEALS = re.compile(
    r"(?:未|没有)(?:发生|出现|收到|产生)(?:因|涉及|关于)?(?P<gip>政府信息公开|政务公开|信息公开)?(?:申请)?(?:引起|引发|而引起)?(?:的)?"
    r"(?:提起|申请)?(?:政府信息公开)?(?:的)?(?P<a>行政复议)?(?:[、和及与或]|以及)?(?:提起|申请)?(?:的)?(?P<b>行政诉讼)?"
    r"(?:案件|的情况|情况|事项)?"
)

_GIP = re.compile(r"依申请公开|信息公开申请|申请公开|公开申请")

_NEEDS_CONTEXT = {"processed", "carried_over", "carried_forward", "reconsideration", "litigation"}

_CONTEXT_CHARS = 150

_QUALIFIED = re.compile(r"(?:约|近|超过?|逾|不足|不到|大约|将近|\d[-~至到])$")

_APPROX_AFTER = re.compile(r"(?:左右|以上|以下|之多)")

_FOREIGN = re.compile(
    r"代表|办公室|政府办|部门|平台|渠道|网站|信箱|热线|下属|所属|乡镇|街道|各(?:县|区|地|级|单位)"
    r"|分别|转办|转交|去年|上一?年(?!度?结转)|同比|较上|通过"
)

_HEADING = r"\(?[一二三四五六七八九十]+[)、.]+[\u4e00-\u9fff]{0,12}情况[.:]?"

_TIME = r"(?:\d{4}年度?(?:1月1日至\d{4}年12月31日)?|本年度?|全年|今年|年内|本年内|报告期内|当年)(?:以来|期间|内|中)?"

_SUBJECT = r"(?:我|本)(?:局|委|办|厅|署|院|会|区|市|县|省|州|镇|乡|街道|机关|单位|部门)|全(?:市|区|县|省|州|镇|乡)|本级"

_ADVERB = r"共计|共|累计|合计|总计|依法|依申请|新|其中|含|包括|另有|另|已|均|实际|有|全部|一共"

_ALLOWED = re.compile(rf"(?:{_HEADING}|{_TIME}|{_SUBJECT}|{_ADVERB})*")

_ALLOWED_WORD = re.compile(rf"{_HEADING}|{_TIME}|{_SUBJECT}|{_ADVERB}")
