"""`jianyu demo` runs end to end on the bundled posts, and runs again idempotently."""
from click.testing import CliRunner

from jianyu.cli import cli


def test_demo_imports_summarizes_and_searches(tmp_path, model_dir):
    cfg = tmp_path / "jianyu.yaml"
    cfg.write_text(f"store: {{path: '{tmp_path / 'demo.db'}'}}\nnlp: {{model_dir: '{model_dir}'}}\n",
                   encoding="utf-8")
    env = {"JIANYU_CONFIG": str(cfg)}
    first = CliRunner().invoke(cli, ["demo"], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.stderr
    out = first.stdout
    assert "read 360" in out and "quarantined 0" in out
    assert "公益诉讼 public_interest" in out and "队伍作风 conduct" in out
    assert "$ jianyu search '公车私用'" in out
    stored = int(out.split("stored ", 1)[1].split(",", 1)[0])
    assert stored > 250
    again = CliRunner().invoke(cli, ["demo"], env=env, catch_exceptions=False)
    assert again.exit_code == 0
    assert "stored 0" in again.stdout and f"duplicates {stored}" in again.stdout
