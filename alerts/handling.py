"""Suggested handling (处置建议) for a report, by topic and level.

The wording follows the usual practice of a procuratorate's 舆情 work: first find out
what is true (核实), then say one agreed thing (回应口径), bring in the local and partner
agencies (联系属地), and publish authoritative information (发布权威信息). The level sets
who must be told and how fast; 重大 adds the steps an emergency needs.
"""
from __future__ import annotations

import logging

from nlp.labels import TOPIC_ZH, Topic

from .model import Level

log = logging.getLogger(__name__)

# Who is told and how fast, by level. Shown first.
LEVEL_STEPS: dict[Level, tuple[str, ...]] = {
    Level.GENERAL: (
        "列入日常监测，明确专人跟踪，每日汇总研判；出现新情况、新转向时及时续报。",
    ),
    Level.SERIOUS: (
        "2小时内报告分管院领导和新闻宣传部门，组织相关业务部门会商研判，4小时内形成处置意见。",
        "加密监测频次，每2小时更新一次传播数据，关注大V、主流媒体是否介入。",
    ),
    Level.MAJOR: (
        "立即报告检察长，并按规定1小时内向上级检察院新闻宣传部门报告；启动舆情应急处置机制，成立工作专班。",
        "实行24小时不间断监测，每小时报告一次传播数据和重要帖文，全程固定网络证据。",
    ),
}

# What to do, by topic: verify, line to take, liaise, publish.
TOPIC_STEPS: dict[Topic, tuple[str, ...]] = {
    Topic.CASE: (
        "调取案卷，核实案件事实、办理进程、法律文书和办案程序是否规范，逐条厘清网传内容与实际情况的出入。",
        "回应口径以事实为根据、以法律为准绳，依法说明可公开的办理节点和法律依据；不评论未决事项细节，不泄露当事人隐私和侦查秘密。",
        "与公安机关、审判机关及属地党委政法委沟通情况，统一口径、同步发声。",
        "确有必要时通过院官方网站和“两微一端”发布案件情况通报，并视进展续发。",
    ),
    Topic.SUPERVISION: (
        "核实监督事项：线索来源、是否已立案监督或提出检察建议、抗诉，被监督机关的回复和整改情况。",
        "回应口径突出依法履行法律监督职责，说明监督程序和阶段性结果，不对其他机关的办案作出定性评论。",
        "与被监督机关及其上级主管部门沟通，了解纠正、整改进展，必要时联合说明。",
        "监督有结果后及时发布权威信息，回应社会对公平正义的关切。",
    ),
    Topic.PUBLIC_INTEREST: (
        "核实公益受损事实和线索，必要时组织现场勘查、取样和固定证据。",
        "回应口径说明已启动的诉前磋商、检察建议或起诉进展，表明依法维护国家利益和社会公共利益的立场。",
        "联系属地政府和生态环境、市场监管、自然资源等行政主管部门，推动问题整改到位。",
        "适时公开检察建议落实和整改成效，可邀请人大代表、政协委员或公益观察员见证。",
    ),
    Topic.JUVENILE: (
        "核实涉案未成年人情况和案件办理进展，第一时间评估未成年人的人身安全和心理状况。",
        "严格保护未成年人隐私：任何回应不得披露姓名、学校、住址、照片等可识别信息；网上已泄露的，商请网信部门和平台删除。",
        "联系教育、公安、民政、妇联等部门和学校，协同开展保护、救助和心理疏导。",
        "回应口径体现最有利于未成年人原则，依法说明检察机关介入情况和保护措施。",
    ),
    Topic.PETITION: (
        "调取信访申诉档案，核实诉求内容、受理和办理经过、答复情况，查明是否存在程序瑕疵。",
        "由控告申诉部门主动联系当事人，当面听取诉求、释法说理，落实7日内程序性回复、3个月内答复办理过程或结果。",
        "回应口径说明依法受理和办理情况，不在网上与当事人对质，不公开当事人个人信息。",
        "联系属地党委政法委和信访部门，共同做好矛盾化解，防止事态扩大。",
    ),
    Topic.AID: (
        "核实司法救助申请、审批和发放情况，或支持起诉等为民办事事项的办理进度。",
        "对符合条件的困难当事人加快办理司法救助，与民政、人社、医保等部门衔接开展多元救助。",
        "回应口径突出司法为民，说明政策依据、办理流程和结果。",
        "正面事例经当事人同意后可整理为典型案例，通过官方平台发布。",
    ),
    Topic.CONDUCT: (
        "由检务督察部门牵头，第一时间核实涉事人员身份和网传问题是否属实。",
        "回应口径表明零容忍态度：已关注、正在核查、将依规依纪依法处理并及时公布结果；未经核实不作否认。",
        "涉嫌违纪违法的，按干部管理权限移送纪检监察机关，并报告上级检察院。",
        "核查结论形成后及时公开，并举一反三开展作风建设教育。",
    ),
    Topic.OUTREACH: (
        "核实已发布宣传内容中的数据、图片和表述是否准确，关注评论区有无质疑或负面跟帖。",
        "对质疑和误读及时补充说明，避免宣传用语引发次生舆情。",
        "正面舆情可协调主流媒体和政务新媒体转发，扩大正面声量。",
        "总结传播效果，优化后续检务公开和普法宣传的选题与形式。",
    ),
    Topic.INCIDENT: (
        "立即核实现场情况、涉及人数、诉求和起因，区分已查实的事实与网络传言。",
        "联系属地党委政法委、公安机关和网信部门，协同做好现场处置和网上引导。",
        "坚持快报事实、慎报原因，第一时间发布简要情况，随核查进展滚动发布。",
        "对造谣传谣内容依法固定证据，商请网信部门和平台依法处置，并发布辟谣信息。",
    ),
    Topic.IRRELEVANT: (
        "复核是否确与检察工作无关；属误报的，调整监测词和排除词，避免重复预警。",
        "如内容易被误读为涉检（影视作品、境外检方等），关注是否出现混淆传播，必要时简要澄清。",
    ),
}

# Extra steps at 重大, by topic: the same work, with a deadline.
MAJOR_STEPS: dict[Topic, tuple[str, ...]] = {
    Topic.CASE: ("黄金4小时内发布首次情况通报，通报稿报上级检察院审核；24小时内根据办案进展续发。",),
    Topic.SUPERVISION: ("当日形成监督意见，需纠正的依法立即发出纠正意见或检察建议，并同步对外说明。",),
    Topic.PUBLIC_INTEREST: ("涉及人民群众生命健康的，立即商请行政机关采取控制措施，4小时内发布阶段性情况。",),
    Topic.JUVENILE: ("立即启动未成年人保护联动机制，确保受害未成年人安全；4小时内发布简要情况，全程不得泄露身份信息。",),
    Topic.PETITION: ("检察长或分管副检察长当日接待当事人，依法妥善处理合理诉求，防止发生极端行为。",),
    Topic.AID: ("对确有急难的当事人先行救助，当日落实，并在回应中说明。",),
    Topic.CONDUCT: ("涉事人员视情暂停履职，检务督察当日介入；4小时内发布核查情况通报。",),
    Topic.OUTREACH: ("如宣传内容引发强烈质疑，立即暂停相关推送，4小时内发布说明。",),
    Topic.INCIDENT: ("领导带队赶赴现场，配合属地开展处置；1小时内发布简要情况，此后滚动发布权威信息。",),
    Topic.IRRELEVANT: ("确属误判的，立即在报告系统中注明并降级，避免占用应急力量。",),
}

CLOSE_STEPS: tuple[str, ...] = (
    "开展处置复盘：评估回应时效和效果，总结经验和不足，形成书面报告归档。",
    "转入常态监测，继续跟踪7日；出现反弹或新情况时重新研判并续报。",
)


def _topic(code: str) -> Topic | None:
    try:
        return Topic(code)
    except ValueError:
        log.warning("no handling for unknown topic code %r", code)
        return None


def suggest(topics: list[tuple[str, int]], level: Level, kind: str = "first") -> list[str]:
    """Handling steps for an event whose topic counts are `topics` (most first).

    The leading topic gets its full steps; a second topic with at least a third of
    the posts adds its verification step, since an analyst would check both.
    An irrelevant topic leads only when nothing else is there.
    """
    ranked = [(t, n) for t, n in ((_topic(c), n) for c, n in topics) if t is not None and n > 0]
    relevant = [(t, n) for t, n in ranked if t is not Topic.IRRELEVANT]
    ranked = relevant or ranked
    total = sum(n for _, n in ranked)
    lead = ranked[0][0] if ranked else Topic.INCIDENT
    if kind == "close":
        return [*CLOSE_STEPS, f"{TOPIC_ZH[lead]}方面：{TOPIC_STEPS[lead][-1]}"]
    steps: list[str] = list(LEVEL_STEPS[level])
    if level is Level.MAJOR:
        steps.extend(MAJOR_STEPS[lead])
    steps.extend(TOPIC_STEPS[lead])
    if len(ranked) > 1 and total and ranked[1][1] * 3 >= total:
        second = ranked[1][0]
        steps.append(f"兼涉{TOPIC_ZH[second]}：{TOPIC_STEPS[second][0]}")
    return steps
