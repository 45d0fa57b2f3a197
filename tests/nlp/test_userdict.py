"""nlp/data/userdict.txt: well formed, covers the domain, keeps its terms whole in running
text and does not swallow their neighbours."""
from __future__ import annotations

import re

import pytest

from nlp.tokenize import USER_DICT, read_user_dict, tokenize

REQUIRED = """人民检察院 检察机关 检察官 检察长 副检察长 检委会 公益诉讼 行政公益诉讼 民事公益诉讼
认罪认罚 认罪认罚从宽 附条件不起诉 不起诉决定 酌定不起诉 存疑不起诉 检察建议 再审检察建议 立案监督
侦查监督 审判监督 执行监督 抗诉 刑事和解 量刑建议 批准逮捕 不批捕 羁押必要性审查 司法救助 支持起诉
12309 12309检察服务中心 控告申诉 涉检信访 检察长接访 法治副校长 强制报告 检察开放日 公开听证 未检
捕诉一体 少捕慎诉慎押 正当防卫 扫黑除恶 电信诈骗 帮信罪 冤错案件 公车私用 违规吃喝 人民监督员""".split()

CONTEXTS = ["关于{}的通知", "他们说{}是对的", "近日{}引发关注", "这就是{}。", "网友热议{}问题",
            "依法{}，", "对{}有意见", "所谓{}，就是"]

# Sentences where a dictionary word is a substring but not the word meant: the user
# dictionary must leave their segmentation as jieba's own dictionary has it.
TRAPS = ["尚未检查的车辆请尽快年检", "这批食品经抽样检查未检出问题", "多部电梯超期未检验",
         "样品未检出瘦肉精", "未检测到病毒", "主动介入的案件比例偏低", "今天单位组织体检",
         "质量检查也没这么麻烦", "质检部门对该批次产品进行了检验", "某县检察院长期不作为",
         "这部剧的公诉方演员演得很好", "双开门冰箱", "被查封的房产", "这个人情案例分析",
         "一起诉讼", "保护伞兵", "医院检查完了再说", "公安机关已经立案侦查", "检查院里的卫生",
         "他把东西拉坏了", "抗诉讼压力"]


@pytest.fixture(scope="module")
def entries():
    return read_user_dict(USER_DICT)


def test_format(entries):
    lines = [line for line in USER_DICT.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert all(re.fullmatch(r"\S+ [1-9][0-9]* [a-z]+", line) for line in lines)
    words = [w for w, _, _ in entries]
    assert len(words) == len(set(words)), "duplicate words"
    assert len(words) >= 300


def test_required_terms_are_there(entries):
    words = {w for w, _, _ in entries}
    assert [t for t in REQUIRED if t not in words] == []


def test_terms_stay_whole_in_running_text(entries):
    split = [(w, c.format(w), tokenize(c.format(w))) for w, _, _ in entries for c in CONTEXTS
             if w.lower() not in tokenize(c.format(w))]
    assert split == []


def test_terms_do_not_swallow_their_neighbours():
    import rjieba

    plain = rjieba.Jieba()   # jieba's dictionary without ours
    changed = [(s, plain.cut(s), tokenize(s)) for s in TRAPS if plain.cut(s) != tokenize(s)]
    assert changed == []


def test_terms_in_real_sentences():
    cases = {
        "经公开听证，检察机关认为犯罪嫌疑人具有正当防卫情节，依法作出不起诉决定。": ["公开听证", "正当防卫", "不起诉决定"],
        "检察院对两名犯罪嫌疑人作出存疑不起诉决定": ["存疑不起诉"],
        "羁押必要性审查后，检察院建议变更强制措施": ["羁押必要性审查", "强制措施"],
        "大学生出租银行卡涉嫌帮信罪被依法起诉": ["帮信罪"],
        "检察院干警公车私用被通报，违规吃喝问题仍是重点": ["公车私用", "违规吃喝"],
        "该院配备专门的未检检察官": ["未检", "检察官"],
        "少捕慎诉慎押不是不捕不诉": ["少捕慎诉慎押"],
        "推行捕诉一体办案机制以来": ["捕诉一体"],
        "检察长接访日，检察长亲自接待来访群众": ["检察长接访", "检察长"],
        "涉检信访案件实行首办责任制": ["涉检信访", "首办责任制"],
        "县检察院对化工厂提起民事公益诉讼": ["民事公益诉讼"],
        "检察院依法提出再审检察建议": ["再审检察建议"],
        "被不起诉人已向被害人赔礼道歉": ["被不起诉人", "被害人"],
    }
    for sentence, words in cases.items():
        toks = tokenize(sentence)
        assert all(w in toks for w in words), (sentence, toks)
