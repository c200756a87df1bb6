"""The `jixiao` command: one module per subcommand in `commands/`."""
from __future__ import annotations

import os
import sys

import click

from .commands import click_zh

click_zh.install()  # before the commands are declared: some of click's words are fixed then

from .commands import build, new, print_, schema, score, serve, validate  # noqa: E402


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jixiao", message="jixiao %(version)s")
def group() -> None:
    """jixiao（绩效）：预算绩效评价的编写、核对、评分与公开。"""


for command in (validate.command, score.command, build.command, serve.command, print_.command, new.command,
                schema.command):
    group.add_command(command)
for command in (group, *group.commands.values()):
    command.options_metavar = "[选项]"  # in usage lines, beside click_zh's words
group.subcommand_metavar = "命令 [参数]..."


def main() -> None:
    """Entry point: usage errors exit 2 (click); anything unexpected is reported, not traced."""
    try:
        group.main(prog_name="jixiao", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the user must never see a traceback
        if os.environ.get("JIXIAO_DEBUG"):
            raise
        click.echo(f"jixiao 内部错误：{type(exc).__name__}: {exc}\n"
                   "请设置环境变量 JIXIAO_DEBUG=1 重新运行以查看详细信息，并报告此问题。", err=True)
        sys.exit(3)
