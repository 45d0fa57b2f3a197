from indexer.highlight import highlight


def test_marks_every_match_and_escapes():
    out = highlight("<b>检察院</b>说：检察院会依法处理 & 公开", ["检察院"])
    assert out == "&lt;b&gt;<mark>检察院</mark>&lt;/b&gt;说：<mark>检察院</mark>会依法处理 &amp; 公开"


def test_window_starts_near_the_first_match():
    text = "无关内容。" * 100 + "公车私用被通报" + "后文。" * 100
    out = highlight(text, ["公车私用"], width=60)
    assert out.startswith("…") and out.endswith("…") and "<mark>公车私用</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) <= 62


def test_phrase_with_spaces_marks_unspaced_text_and_case_is_ignored():
    assert highlight("检察院公车私用", ["公车 私用"]) == "检察院<mark>公车私用</mark>"
    assert highlight("JCY 通报", ["jcy"]) == "<mark>JCY</mark> 通报"


def test_no_terms_gives_the_start():
    assert highlight("a" * 300, [], width=10) == "a" * 10 + "…"
    assert highlight("", ["x"]) == ""
