"""click's own words (usage lines, help headings, usage errors) in Chinese.

click marks them for gettext, which would pick a catalogue by the machine's locale; jixiao's
users read Chinese whatever the locale, so the translation is given to click's modules
directly. A message without a translation here stays as click wrote it.
"""
from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

MESSAGES = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少子命令。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有子命令 {name!r}。",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是目录。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是 true 或 false（可用：{states}）。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
}
PLURALS = {
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Did you mean {possibility}?": "是否想写 {possibility}？",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
}
PLURAL_FORMS = {  # click's plural message → its Chinese, where the plural reads differently
    "(Did you mean one of: {possibilities}?)": "（是否想写其中之一：{possibilities}？）",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
}


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    if count == 1:
        return PLURALS.get(singular, singular)
    return PLURAL_FORMS.get(plural) or PLURALS.get(singular, plural)


def install() -> None:
    """Give click's modules the Chinese words; call before any command is declared."""
    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
