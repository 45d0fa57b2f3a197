"""`jianyu nlp train` and `jianyu nlp evaluate FILE.jsonl`."""
from __future__ import annotations

from pathlib import Path

import click

from nlp.errors import BadInput

from ..cli import _settings, cli, emit_json


@cli.group()
def nlp() -> None:
    """Train and evaluate the tagger (relevance, sentiment, topic)."""


@nlp.command()
@click.option("--no-cv", is_flag=True, help="Skip the 5-fold cross-validation (faster).")
@click.pass_context
def train(ctx: click.Context, no_cv: bool) -> None:
    """Train the tagger from the shipped corpus and write it with its model card."""
    from nlp.tagger import MODEL_DIR
    from nlp.train import train as run_train

    settings = _settings(ctx)
    folder = settings.nlp.model_dir or MODEL_DIR
    tagger = run_train(model_dir=Path(folder), with_cv=not no_cv)
    card = tagger.card
    held = card["heldout"]
    click.echo(f"trained on {card['training_data']['train']} posts, held out {card['training_data']['heldout']}; "
               f"model written to {folder}")
    if card.get("cv_macro_f1_train_split"):
        click.echo("5-fold CV macro-F1 on the training part: "
                   + ", ".join(f"{k} {v:.3f}" for k, v in card["cv_macro_f1_train_split"].items()))
    click.echo("held-out macro-F1: " + ", ".join(f"{k} {v['macro_f1']:.3f}" for k, v in held.items())
               + f"; relevance F1 {card['heldout_relevant_f1']:.3f}")


@nlp.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def evaluate(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Score the tagger on a labeled JSONL file (fields relevant, sentiment, topic)."""
    from nlp.train import evaluate_file, format_report

    settings = _settings(ctx)
    if not file.is_file():
        raise BadInput(f"no such file: {file}")
    report = evaluate_file(file, settings.nlp.model_dir)
    if as_json:
        emit_json(report)
    else:
        click.echo(format_report(report))
