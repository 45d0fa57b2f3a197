"""Channels against real local servers: aiosmtpd for SMTP (plain, STARTTLS, SSL, AUTH) and
HTTP servers on 127.0.0.1 that answer like a JSON webhook, a 企业微信 bot, a 钉钉 bot
(checking the 加签 signature) and a 飞书 bot (checking its signature)."""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from alerts.channels import ChannelError, make_channel, options
from alerts.channels.base import redact, truncate_utf8
from alerts.channels.file import safe_name
from alerts.message import Message
from tests.alerts.servers import threaded

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
HOSTILE = '<script>alert("x")</script> <at user_id="all">所有人</at> <@all> [点我](javascript:alert(1))'


def message(report_id: str = "ev1:first", level: str = "serious", urgent: bool = False, **kw) -> Message:
    """A message rendered the way the report module renders one: crawled text escaped."""
    d = dict(
        report_id=report_id, event_id="ev1", kind="first", level=level, urgent=urgent,
        subject="【首报】某县法院执行干警被指违规 · 较大",
        text=f"舆情首报\n标题：{HOSTILE}\n来源：微博",
        markdown="### 舆情首报\n**标题**：\\<script\\>alert\\(\"x\"\\)\\</script\\> &lt;at user\\_id=\"all\"&gt;\n- 来源：微博",
        html="<h3>舆情首报</h3><p>标题：&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>"
             '<img src="cid:trend.png" alt="趋势">',
        url="http://127.0.0.1:8000/reports/ev1:first",
        attachments=[("trend.png", "image/png", PNG)],
    )
    d.update(kw)
    return Message(**d)


# --- HTTP servers ---------------------------------------------------------------------

class Endpoint(ThreadingHTTPServer):
    """Records every POST (path, query, headers, parsed JSON) and answers with `respond`."""

    daemon_threads = True

    def __init__(self, respond):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.respond = respond
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        parts = urlsplit(self.path)
        req = {"path": parts.path, "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
               "headers": dict(self.headers), "raw": raw, "json": json.loads(raw.decode("utf-8"))}
        with self.server.lock:
            self.server.requests.append(req)
        status, body, headers = self.server.respond(req)
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    with threaded(Endpoint) as start:
        yield start


def wecom_bot(key: str):
    """企业微信: key in the query, markdown content at most 4096 bytes."""
    def respond(req):
        if req["path"] != "/cgi-bin/webhook/send" or req["query"].get("key") != key:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, None
        body = req["json"]
        if body.get("msgtype") != "markdown":
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}, None
        if len(body["markdown"]["content"].encode("utf-8")) > 4096:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}, None
        return 200, {"errcode": 0, "errmsg": "ok"}, None
    return respond


def dingtalk_bot(token: str, secret: str):
    """钉钉: access_token in the query; timestamp (ms, within an hour) and sign checked."""
    def respond(req):
        q = req["query"]
        if q.get("access_token") != token:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}, None
        if secret:
            ts = q.get("timestamp", "")
            if not ts.isdigit() or abs(int(ts) - time.time() * 1000) > 3600_000:
                return 200, {"errcode": 310000, "errmsg": "invalid timestamp"}, None
            expect = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(),
                                               hashlib.sha256).digest()).decode()
            if q.get("sign") != expect:
                return 200, {"errcode": 310000, "errmsg": "sign not match"}, None
        md = req["json"].get("markdown", {})
        if req["json"].get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}, None
        return 200, {"errcode": 0, "errmsg": "ok"}, None
    return respond


def feishu_bot(secret: str):
    """飞书: timestamp (s) and sign in the body, HMAC keyed by "ts\\nsecret" over nothing."""
    def respond(req):
        body = req["json"]
        if secret:
            ts = body.get("timestamp", "")
            key = f"{ts}\n{secret}".encode()
            expect = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if not ts.isdigit() or abs(int(ts) - time.time()) > 3600 or body.get("sign") != expect:
                return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}, None
        if body.get("msg_type") not in ("text", "post"):
            return 200, {"code": 9499, "msg": "Bad Request", "data": {}}, None
        return 200, {"code": 0, "msg": "success", "data": {}}, None
    return respond


def fixed(status: int, body=b"", headers=None):
    return lambda req: (status, body, headers)


# --- registry and helpers -------------------------------------------------------------

def test_make_channel_names_unknown_and_missing_options():
    with pytest.raises(ValueError, match=r"unknown option colour; allowed: min_level, urgent, url"):
        make_channel("wecom", "w", url="https://x/cgi-bin/webhook/send?key=k", colour="red")
    with pytest.raises(ValueError, match="missing options host, sender, recipients"):
        make_channel("email", "m")
    with pytest.raises(ValueError, match="unknown channel type 'sms'; allowed: email, webhook"):
        make_channel("sms", "s")
    with pytest.raises(ValueError, match="security must be one of starttls, ssl, none"):
        make_channel("email", "m", host="h", sender="a@b.cn", recipients=["c@d.cn"], security="tls")
    with pytest.raises(ValueError, match="in clear"):
        make_channel("email", "m", host="h", sender="a@b.cn", recipients=["c@d.cn"], security="none",
                     username="u", password="p")
    with pytest.raises(ValueError, match="min_level must be one of general, serious, major"):
        make_channel("file", "f", directory="/tmp/x", min_level="high")
    with pytest.raises(ValueError, match="msg_type must be one of post, text"):
        make_channel("feishu", "f", url="https://x/hook/1", msg_type="interactive")
    with pytest.raises(ValueError, match="url must be an http"):
        make_channel("webhook", "h", url="ftp://x/")
    assert set(options("dingtalk")) == {"min_level", "urgent", "url", "timeout", "proxy", "secret",
                                        "at_all_urgent"}


def test_secrets_stay_out_of_repr_and_redacted_urls():
    ch = make_channel("dingtalk", "d", url="https://oapi.example/robot/send?access_token=TOKEN", secret="SECRET")
    assert "TOKEN" not in repr(ch) and "SECRET" not in repr(ch)
    assert redact("https://qyapi.example:8443/cgi-bin/webhook/send?key=KEY") == "https://qyapi.example:8443/…"


def test_truncate_utf8_never_splits_a_character_or_exceeds_the_limit():
    text = "\n".join(f"第{i}行：检察院通报某案件处理情况 ✓ 😀" for i in range(400))
    for limit in (50, 51, 52, 53, 100, 999, 4096):
        out = truncate_utf8(text, limit, "…截断")
        data = out.encode("utf-8")
        assert len(data) <= limit
        assert out.endswith("…截断")
        assert text.startswith(out[:-len("…截断")])
    assert truncate_utf8("短", 10, "…") == "短"


def test_message_round_trips_through_a_dict():
    m = message(urgent=True)
    d = json.loads(json.dumps(m.to_dict()))
    assert Message.from_dict(d) == m
    assert m.to_dict(attachments=False)["attachments"] == []
    with pytest.raises(ValueError):
        message(level="urgent")


# --- webhook --------------------------------------------------------------------------

def test_webhook_posts_the_message_as_json(serve):
    server = serve(lambda req: (204 if req["headers"].get("Authorization") == "Bearer t0k" else 401, b"", None))
    ch = make_channel("webhook", "hook", url=server.base + "/alerts", headers={"Authorization": "Bearer t0k"})
    m = message()
    ch.send(m)
    [req] = server.requests
    assert req["path"] == "/alerts"
    assert req["headers"]["Content-Type"] == "application/json; charset=utf-8"
    body = req["json"]
    assert body == {"report_id": "ev1:first", "event_id": "ev1", "kind": "first", "level": "serious",
                    "urgent": False, "subject": m.subject, "text": m.text, "markdown": m.markdown, "url": m.url}
    assert HOSTILE in body["text"] and body["markdown"] == m.markdown  # passed on, not altered


def test_webhook_failures_are_sorted_transient_or_permanent(serve):
    def status_of(status, headers=None):
        server = serve(fixed(status, b'{"error": "x"}', headers))
        with pytest.raises(ChannelError) as e:
            make_channel("webhook", "hook", url=server.base + "/secret-path?token=abc").send(message())
        assert "abc" not in str(e.value) and "secret-path" not in str(e.value)
        return e.value

    assert status_of(503).transient
    err = status_of(429, {"Retry-After": "120"})
    assert err.transient and err.retry_after == 120
    assert not status_of(400).transient
    assert not status_of(401).transient
    moved = status_of(302, {"Location": "http://127.0.0.1:9/elsewhere"})
    assert not moved.transient and "redirects are not followed" in str(moved)


def test_webhook_down_or_slow_is_transient(serve):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ChannelError) as e:
        make_channel("webhook", "hook", url=f"http://127.0.0.1:{port}/x", timeout=2).send(message())
    assert e.value.transient

    release = threading.Event()

    def slow(req):
        release.wait(5)
        return 200, b"", None

    server = serve(slow)
    started = time.monotonic()
    with pytest.raises(ChannelError) as e:
        make_channel("webhook", "hook", url=server.base + "/x", timeout=0.3).send(message())
    release.set()
    assert e.value.transient and time.monotonic() - started < 3


# --- 企业微信 -------------------------------------------------------------------------

def test_wecom_sends_markdown_unaltered(serve):
    server = serve(wecom_bot("KEY-1"))
    ch = make_channel("wecom", "wx", url=server.base + "/cgi-bin/webhook/send?key=KEY-1")
    m = message()
    ch.send(m)
    [req] = server.requests
    assert req["json"] == {"msgtype": "markdown", "markdown": {"content": m.markdown}}
    assert "<script>" not in req["json"]["markdown"]["content"]


def test_wecom_cuts_long_reports_at_4096_bytes(serve):
    server = serve(wecom_bot("K"))
    ch = make_channel("wecom", "wx", url=server.base + "/cgi-bin/webhook/send?key=K")
    long_md = "\n".join(f"- 第{i}条：网民称某检察院办案拖延，转发量持续上升 😡" for i in range(300))
    ch.send(message(markdown=long_md))
    content = server.requests[0]["json"]["markdown"]["content"]
    assert 3000 < len(content.encode("utf-8")) <= 4096
    assert "已截断" in content and "查看完整报告" in content
    assert long_md.startswith(content.split("\n\n…")[0])


def test_wecom_errcodes(serve):
    server = serve(fixed(200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    with pytest.raises(ChannelError) as e:
        make_channel("wecom", "wx", url=server.base + "/cgi-bin/webhook/send?key=K").send(message())
    assert e.value.transient and "45009" in str(e.value)

    server = serve(wecom_bot("RIGHT"))
    with pytest.raises(ChannelError) as e:
        make_channel("wecom", "wx", url=server.base + "/cgi-bin/webhook/send?key=WRONG").send(message())
    assert not e.value.transient and "93000" in str(e.value) and "WRONG" not in str(e.value)

    server = serve(fixed(200, b"<html>gateway</html>"))
    with pytest.raises(ChannelError) as e:
        make_channel("wecom", "wx", url=server.base + "/cgi-bin/webhook/send?key=K").send(message())
    assert e.value.transient


# --- 钉钉 -----------------------------------------------------------------------------

def test_dingtalk_signs_each_request(serve):
    secret = "SEC0123456789abcdef+/="
    server = serve(dingtalk_bot("TOKEN", secret))
    ch = make_channel("dingtalk", "dd", url=server.base + "/robot/send?access_token=TOKEN", secret=secret,
                      at_all_urgent=True)
    m = message(subject="标题\r\n第二行")
    ch.send(m)
    ch.send(message(urgent=True))
    first, second = server.requests
    assert first["json"]["markdown"] == {"title": "标题 第二行", "text": m.markdown}
    assert first["json"]["at"] == {"isAtAll": False} and second["json"]["at"] == {"isAtAll": True}
    assert set(second["query"]) == {"access_token", "timestamp", "sign"}  # a fresh sign, not appended twice


def test_dingtalk_wrong_secret_or_unsigned_bot(serve):
    server = serve(dingtalk_bot("TOKEN", "SECright"))
    with pytest.raises(ChannelError) as e:
        make_channel("dingtalk", "dd", url=server.base + "/robot/send?access_token=TOKEN",
                     secret="SECwrong").send(message())
    assert not e.value.transient and "310000" in str(e.value) and "SECwrong" not in str(e.value)

    # a clock an hour and a half off is refused the same way
    ch = make_channel("dingtalk", "dd", url=server.base + "/robot/send?access_token=TOKEN", secret="SECright")
    ch.clock = lambda: time.time() - 5400
    with pytest.raises(ChannelError, match="invalid timestamp"):
        ch.send(message())

    open_bot = serve(dingtalk_bot("T2", ""))
    make_channel("dingtalk", "dd", url=open_bot.base + "/robot/send?access_token=T2").send(message())
    assert "sign" not in open_bot.requests[0]["query"]

    busy = serve(fixed(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}))
    with pytest.raises(ChannelError) as e:
        make_channel("dingtalk", "dd", url=busy.base + "/robot/send?access_token=T").send(message())
    assert e.value.transient


# --- 飞书 -----------------------------------------------------------------------------

def test_feishu_post_is_signed_and_plain(serve):
    secret = "feishu-secret"
    server = serve(feishu_bot(secret))
    ch = make_channel("feishu", "fs", url=server.base + "/open-apis/bot/v2/hook/HOOK", secret=secret)
    m = message()
    ch.send(m)
    body = server.requests[0]["json"]
    post = body["content"]["post"]["zh_cn"]
    assert body["msg_type"] == "post" and post["title"] == m.subject
    lines = [row[0]["text"] for row in post["content"] if row[0]["tag"] == "text"]
    assert lines[0] == "舆情首报"
    assert "<script>" in lines[1]  # plain text elements: shown as written, never rendered
    assert '<at user_id="all">' not in json.dumps(body, ensure_ascii=False)  # cannot mention everybody
    assert post["content"][-1] == [{"tag": "a", "text": "查看报告", "href": m.url}]
    assert not any(cell["tag"] == "at" for row in post["content"] for cell in row)


def test_feishu_text_type_and_errors(serve):
    server = serve(feishu_bot(""))
    make_channel("feishu", "fs", url=server.base + "/hook/1", msg_type="text", at_all_urgent=True).send(
        message(urgent=True))
    text = server.requests[0]["json"]["content"]["text"]
    assert text.startswith('<at user_id="all">所有人</at> 【首报】') and text.endswith(message().url)
    assert text.count("<at ") == 1

    signed = serve(feishu_bot("right"))
    with pytest.raises(ChannelError) as e:
        make_channel("feishu", "fs", url=signed.base + "/hook/1", secret="wrong").send(message())
    assert not e.value.transient and "19021" in str(e.value)

    limited = serve(fixed(200, {"code": 11232, "msg": "frequency limited"}))
    with pytest.raises(ChannelError) as e:
        make_channel("feishu", "fs", url=limited.base + "/hook/1").send(message())
    assert e.value.transient


# --- e-mail ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping what it receives; can refuse DATA with a set reply."""

    def __init__(self, require_auth: bool = False):
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.reply = "250 OK"
        self.require_auth = require_auth

    async def handle_DATA(self, server, session, envelope):
        if self.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if not self.reply.startswith("250"):
            return self.reply
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return self.reply


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"yuqing" and auth_data.password == b"p@ss"
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                               x509.DNSName("localhost")]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return str(folder / "cert.pem"), ctx


@contextmanager
def smtp_server(handler, **kw):
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), server_hostname="mx.test", **kw)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def mail_channel(port: int, **kw):
    opts = dict(host="127.0.0.1", port=port, security="none", sender="舆情监测 <yuqing@jcy.example>",
                recipients=["duty@jcy.example", "lead@jcy.example"], timeout=5, helo="jianyu.test")
    opts.update(kw)
    return make_channel("email", "mail", **opts)


def test_email_plain_relay_multipart_with_inline_chart():
    box = Mailbox()
    with smtp_server(box) as port:
        mail_channel(port).send(message(urgent=True, subject="【首报】标题\r\nBcc: evil@x.example"))
        mail_channel(port).send(message(report_id="ev2:first"))
    (sender, rcpts, msg), (_, _, other) = box.messages
    assert sender == "yuqing@jcy.example" and rcpts == ["duty@jcy.example", "lead@jcy.example"]
    assert msg["Subject"] == "【首报】标题 Bcc: evil@x.example" and msg["Bcc"] is None
    assert msg["X-Priority"].startswith("1") and other["X-Priority"] is None
    assert msg["Message-ID"] != other["Message-ID"] and msg["Message-ID"].endswith("@jcy.example>")
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert HOSTILE in plain.get_content()
    assert "&lt;script&gt;" in html.get_content() and "<script>" not in html.get_content()
    [image] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<trend.png>" and image.get_content() == PNG


def test_email_attaches_an_image_the_html_does_not_refer_to():
    box = Mailbox()
    with smtp_server(box) as port:
        mail_channel(port).send(message(html="<p>图表见附件</p>"))
    [(_, _, msg)] = box.messages
    [image] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert image.get_content_disposition() == "attachment" and image.get_filename() == "trend.png"
    assert msg.get_body(("html",)).get_content().strip() == "<p>图表见附件</p>"


def test_email_message_id_is_the_same_for_a_resend():
    box = Mailbox()
    with smtp_server(box) as port:
        mail_channel(port).send(message())
        mail_channel(port).send(message())
    assert box.messages[0][2]["Message-ID"] == box.messages[1][2]["Message-ID"]


def test_email_starttls_with_auth(cert):
    cafile, ctx = cert
    box = Mailbox(require_auth=True)
    with smtp_server(box, tls_context=ctx, require_starttls=True, authenticator=authenticator,
                     auth_required=True) as port:
        mail_channel(port, security="starttls", username="yuqing", password="p@ss", ca_file=cafile).send(message())
        with pytest.raises(ChannelError) as e:
            mail_channel(port, security="starttls", username="yuqing", password="wrong",
                         ca_file=cafile).send(message())
        assert not e.value.transient and "authentication failed" in str(e.value) and "wrong" not in str(e.value)
        with pytest.raises(ChannelError) as e:  # the system store does not trust this certificate
            mail_channel(port, security="starttls", username="yuqing", password="p@ss").send(message())
        assert not e.value.transient and "not trusted" in str(e.value)
    assert len(box.messages) == 1


def test_email_implicit_ssl_with_auth(cert):
    cafile, ctx = cert
    box = Mailbox(require_auth=True)
    with smtp_server(box, ssl_context=ctx, authenticator=authenticator, auth_require_tls=False) as port:
        mail_channel(port, security="ssl", username="yuqing", password="p@ss", ca_file=cafile).send(message())
    [(_, _, msg)] = box.messages
    assert msg["Subject"] == message().subject


def test_email_auth_login_when_plain_is_not_offered(cert):
    cafile, ctx = cert
    box = Mailbox(require_auth=True)
    with smtp_server(box, ssl_context=ctx, authenticator=authenticator, auth_require_tls=False,
                     auth_exclude_mechanism=["PLAIN"]) as port:
        mail_channel(port, security="ssl", username="yuqing", password="p@ss", ca_file=cafile).send(message())
        with pytest.raises(ChannelError) as e:
            mail_channel(port, security="ssl", username="yuqing", password="bad", ca_file=cafile).send(message())
        assert not e.value.transient
    assert len(box.messages) == 1


def test_email_smtp_replies_and_a_dead_server():
    box = Mailbox()
    with smtp_server(box) as port:
        box.reply = "451 4.3.0 try again later"
        with pytest.raises(ChannelError) as e:
            mail_channel(port).send(message())
        assert e.value.transient and "451" in str(e.value)
        box.reply = "554 5.7.1 rejected as spam"
        with pytest.raises(ChannelError) as e:
            mail_channel(port).send(message())
        assert not e.value.transient
    with pytest.raises(ChannelError) as e:
        mail_channel(_free_port()).send(message())
    assert e.value.transient


# --- file -----------------------------------------------------------------------------

def test_file_channel_writes_once(tmp_path):
    folder = tmp_path / "reports"
    ch = make_channel("file", "archive", directory=str(folder))
    ch.clock = lambda: datetime(2024, 5, 1, 10, 30, tzinfo=timezone(timedelta(hours=8)))
    m = message(report_id="ev1:update:major")
    ch.send(m)
    names = sorted(p.name for p in folder.iterdir())
    stem = f"20240501T103000-{safe_name('ev1:update:major')}"
    assert names == sorted([f"{stem}.md", f"{stem}.html", f"{stem}.json", f"{stem}-trend.png"])
    assert (folder / f"{stem}.md").read_text(encoding="utf-8") == m.markdown
    html = (folder / f"{stem}.html").read_text(encoding="utf-8")
    assert f'src="{stem}-trend.png"' in html and "&lt;script&gt;" in html
    record = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
    assert record["report_id"] == "ev1:update:major" and record["attachments"] == [f"{stem}-trend.png"]
    assert (folder / f"{stem}-trend.png").read_bytes() == PNG

    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    ch.clock = lambda: datetime(2024, 5, 2, tzinfo=timezone.utc)
    ch.send(m)
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_file_channel_finishes_a_send_cut_short(tmp_path):
    ch = make_channel("file", "archive", directory=str(tmp_path))
    ch.clock = lambda: datetime(2024, 5, 1, 10, 30, tzinfo=timezone.utc)
    ch.send(message())
    json_file = next(tmp_path.glob("*.json"))
    json_file.unlink()  # as if the process died before the last file
    ch.clock = lambda: datetime(2024, 5, 3, tzinfo=timezone.utc)
    ch.send(message())
    assert len(list(tmp_path.glob("*.md"))) == 1 and json_file.exists()


def test_file_channel_cannot_write(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(ChannelError) as e:
        make_channel("file", "archive", directory=str(blocker)).send(message())
    assert not e.value.transient
