"""`jianyu demo` serves the demo sites, crawls them end to end, and runs again idempotently."""
import socket
import subprocess
import sys

from click.testing import CliRunner

from jianyu.cli import cli
from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(tmp_path, model_dir):
    cfg = tmp_path / "jianyu.yaml"
    cfg.write_text(f"store: {{path: '{tmp_path / 'demo.db'}'}}\nnlp: {{model_dir: '{model_dir}'}}\n",
                   encoding="utf-8")
    return cfg


def run_demo(cfg, port):
    return subprocess.run([sys.executable, "-m", "jianyu", "--config", str(cfg), "demo", "--port", str(port)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def stored_by_source(out: str) -> dict[str, int]:
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) > 7 and parts[1] == "pages" and parts[5] == "stored":
            rows[parts[0]] = int(parts[6])
    return rows


def test_demo_crawls_the_demo_sites_and_is_idempotent(tmp_path, model_dir):
    cfg, port = config(tmp_path, model_dir), free_port()
    first = run_demo(cfg, port)
    assert first.returncode == 0, first.stderr
    stored = stored_by_source(first.stdout)
    assert set(stored) == {"yunzhou-news-rss", "yunzhou-news-sitemap", "qingshi-jcy", "weibo-demo", "search-demo"}
    assert stored["qingshi-jcy"] > 0 and stored["weibo-demo"] > 100 and sum(stored.values()) > 250
    assert "公益诉讼 public_interest" in first.stdout and "$ jianyu search '公车私用'" in first.stdout
    # the night-market video bursts: one 首报, shown in full and written beside the store
    assert first.stdout.count("  首报  ") == 1 and "# 【" in first.stdout and "## 处置建议" in first.stdout
    reports = list((tmp_path / "reports").glob("*_first.html"))
    assert len(reports) == 1 and "<script" not in reports[0].read_text(encoding="utf-8")
    again = run_demo(cfg, port)
    assert again.returncode == 0, again.stderr
    assert sum(stored_by_source(again.stdout).values()) == 0


def test_demo_can_import_a_file_instead(tmp_path, model_dir):
    from jianyu.commands.demo import DEMO_POSTS

    cfg = config(tmp_path, model_dir)
    r = CliRunner().invoke(cli, ["--config", str(cfg), "demo", "--import", str(DEMO_POSTS)], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert "read 421" in r.stdout and "quarantined 0" in r.stdout and "队伍作风 conduct" in r.stdout


def test_demo_port_in_use_is_a_clear_error(tmp_path, model_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        r = run_demo(config(tmp_path, model_dir), busy.getsockname()[1])
    assert r.returncode == 2 and "cannot serve the demo sites" in r.stderr
