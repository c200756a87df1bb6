"""The `jixiao` command: one module per subcommand in `commands/`."""
from __future__ import annotations

import importlib
import os
import sys

import click

from .commands import click_zh

click_zh.install()  # before the commands are declared: some of click's words are fixed then

# Each subcommand's module, imported only when that command runs (or help lists it):
# `jixiao validate` need not load the site builder, the search index and numpy.
COMMANDS = {"validate": "validate", "score": "score", "build": "build", "serve": "serve", "print": "print_",
            "new": "new", "schema": "schema"}


class _LazyGroup(click.Group):
    """A group whose commands are the `command` of their modules in `commands/`, loaded on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        command = importlib.import_module(f".commands.{COMMANDS[name]}", __package__).command
        command.options_metavar = "[选项]"  # in usage lines, beside click_zh's words
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:  # click suggests from the commands loaded: none yet
            raise click.exceptions.NoSuchCommand(exc.command_name, possibilities=COMMANDS, ctx=ctx) from None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jixiao", message="jixiao %(version)s")
def group() -> None:
    """jixiao（绩效）：预算绩效评价的编写、核对、评分与公开。"""


group.options_metavar = "[选项]"
group.subcommand_metavar = "命令 [参数]..."


def main() -> None:
    """Entry point: usage errors exit 2 (click); anything unexpected is reported, not traced."""
    try:
        group.main(prog_name="jixiao", standalone_mode=True)
    except SystemExit as done:
        _leave(done.code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the user must never see a traceback
        if os.environ.get("JIXIAO_DEBUG"):
            raise
        click.echo(f"jixiao 内部错误：{type(exc).__name__}: {exc}\n"
                   "请设置环境变量 JIXIAO_DEBUG=1 重新运行以查看详细信息，并报告此问题。", err=True)
        sys.exit(3)


def _leave(code) -> None:
    """End the process once a command is done, without freeing its objects one by one (after a
    build of 10,000 evaluations, 0.1–0.2 s the system does at once): the output is flushed
    first; workers were ended by the command, and nothing is registered to run at exit."""
    if isinstance(code, str):
        click.echo(code, err=True)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that stopped early (`| head`), or a closed stream
            pass
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
