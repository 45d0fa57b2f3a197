"""青石县人民检察院 portal under /jcy/, in the shape of a Chinese government CMS (TRS WCM):
GBK pages whose charset is declared only in a <meta http-equiv> tag, a column listing
paged as index.html, index_1.html, … with a createPageHTML() script, and article pages
with a PubDate meta tag and 【字体：大 中 小】 furniture."""
from __future__ import annotations

from .routing import Request, Response, Router, esc, not_found
from .world import JCY_NAME, Article, DemoWorld, paragraphs

PER_PAGE = 15
COLUMN = "检察动态"
CHARSET = "gbk"

PAGE_JS = """// TRS WCM paging: createPageHTML(page count, current index from 0, name, extension)
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var nCurrIndex = _nCurrIndex || 0;
  function href(i) { return i == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt; }
  document.write("共" + _nPageCount + "页 ");
  if (nCurrIndex == 0) { document.write("首页 上一页 "); }
  else {
    document.write("<a href=\\"" + href(0) + "\\">首页</a> ");
    document.write("<a href=\\"" + href(nCurrIndex - 1) + "\\">上一页</a> ");
  }
  if (nCurrIndex == _nPageCount - 1) { document.write("下一页 尾页"); }
  else {
    document.write("<a href=\\"" + href(nCurrIndex + 1) + "\\">下一页</a> ");
    document.write("<a href=\\"" + href(_nPageCount - 1) + "\\">尾页</a>");
  }
}
"""


def _gbk(text: str, content_type: str = "text/html") -> Response:
    """GBK bytes; the charset is in the page's meta tag, never in the HTTP header."""
    return Response(text.encode(CHARSET, errors="xmlcharrefreplace"), content_type)


def _page(title: str, body: str, head: str = "") -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={CHARSET}" />
<meta http-equiv="X-UA-Compatible" content="IE=edge" />
<title>{esc(title)}</title>
<meta name="SiteName" content="{JCY_NAME}" />
<meta name="SiteDomain" content="www.qingshi.jcy.example" />
{head}<script type="text/javascript" src="/jcy/js/page.js"></script>
</head>
<body>
<div class="top"><div class="logo"><a href="/jcy/index.html">{JCY_NAME}</a></div>
<div class="date">今天是：<script>document.write(new Date().toLocaleDateString());</script></div></div>
<div class="nav"><ul><li><a href="/jcy/index.html">首页</a></li><li><a href="/jcy/jcdt/index.html">{COLUMN}</a></li>
<li><a href="/jcy/jcdt/index.html">检务公开</a></li><li><a href="/jcy/jcdt/index.html">案件信息</a></li>
<li><a href="/jcy/index.html">12309检察服务中心</a></li></ul></div>
{body}
<div class="footer"><p>主办单位：{JCY_NAME}&nbsp;&nbsp;地址：云州市青石县府前路18号&nbsp;&nbsp;电话：0570-6612309</p>
<p>江ICP备00000001号&nbsp;&nbsp;<a href="/jcy/index.html">网站地图</a>&nbsp;&nbsp;<a href="/jcy/index.html">联系我们</a></p></div>
</body>
</html>
"""


def _li(a: Article, href: str) -> str:
    return (f'<li><a href="{href}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
            f"<span>{a.published:%Y-%m-%d}</span></li>")


class JcySite:
    def __init__(self, world: DemoWorld):
        self.articles = world.jcy
        self.by_path = {a.path: a for a in self.articles}
        self.pages = max(1, -(-len(self.articles) // PER_PAGE))

    def add_routes(self, router: Router) -> None:
        router.add(r"/jcy/(?:index\.html)?", self.home)
        router.add(r"/jcy/jcdt/(?:index(?:_(\d+))?\.html)?", self.listing)
        router.add(r"/jcy/jcdt/\d{6}/t\d{8}_\d+\.html", self.article)
        router.add(r"/jcy/js/page\.js", self.script)

    @staticmethod
    def page_name(index: int) -> str:
        return "index.html" if index == 0 else f"index_{index}.html"

    def home(self, req: Request) -> Response:
        items = "\n".join(_li(a, a.path) for a in self.articles[:8])
        body = f"""<div class="main"><div class="column"><div class="column-title"><span>{COLUMN}</span>
<a class="more" href="/jcy/jcdt/index.html">更多&gt;&gt;</a></div>
<ul class="list">
{items}
</ul></div></div>"""
        return _gbk(_page(JCY_NAME, body))

    def listing(self, req: Request) -> Response:
        index = int(req.match.group(1) or 0)
        if index >= self.pages or (req.match.group(1) is not None and index == 0):
            return not_found(req)
        chunk = self.articles[index * PER_PAGE:(index + 1) * PER_PAGE]
        # relative links, as such CMSs write them: ./202611/t20261129_1133.html
        items = "\n".join(_li(a, "." + a.path[len("/jcy/jcdt"):]) for a in chunk)
        last = self.pages - 1
        static = [f"共{self.pages}页"]
        static.append(f'<a href="{self.page_name(index - 1)}">上一页</a>' if index > 0 else "上一页")
        static.append(f'<a href="{self.page_name(index + 1)}" class="next">下一页</a>' if index < last else "下一页")
        static.append(f'<a href="{self.page_name(last)}">尾页</a>')
        body = f"""<div class="main"><div class="position">您当前的位置：<a href="/jcy/index.html">首页</a> &gt; {COLUMN}</div>
<div class="column"><div class="column-title"><span>{COLUMN}</span></div>
<ul class="list">
{items}
</ul>
<div class="page"><script type="text/javascript">
//共{self.pages}页，所在页从0开始
createPageHTML({self.pages}, {index}, "index", "html");
</script>
</div>
<div class="page-static">{" ".join(static)}</div>
</div></div>"""
        return _gbk(_page(f"{COLUMN}_{JCY_NAME}", body))

    def article(self, req: Request) -> Response:
        a = self.by_path.get(req.path)
        if a is None:
            return not_found(req)
        when = a.published.strftime("%Y-%m-%d %H:%M")
        head = f"""<meta name="ColumnName" content="{COLUMN}" />
<meta name="ArticleTitle" content="{esc(a.title)}" />
<meta name="PubDate" content="{when}" />
<meta name="ContentSource" content="{esc(a.source)}" />
<meta name="Description" content="{esc(a.summary)}" />
"""
        text = "\n".join(f'<p style="text-indent: 2em;">{esc(p)}</p>' for p in paragraphs(a.text))
        body = f"""<div class="main"><div class="position">您当前的位置：<a href="/jcy/index.html">首页</a> &gt; <a href="/jcy/jcdt/index.html">{COLUMN}</a></div>
<div class="article">
<h1 class="article-title">{esc(a.title)}</h1>
<div class="article-info">发布时间：{when}  来源：{esc(a.source)}
【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</div>
<div class="article-content" id="zoom"><div class="TRS_Editor">
{text}
</div></div>
<div class="article-tools">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
</div></div>"""
        return _gbk(_page(f"{a.title}_{JCY_NAME}", body, head))

    def script(self, req: Request) -> Response:
        return _gbk(PAGE_JS, "application/javascript")
