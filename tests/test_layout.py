"""The table laid out once as a grid of cells: the seed tables cell by cell against their
models, formulas and what they compute, page breaks, and trees deeper than three levels."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from generator.rules import registry
from generator.layout import (Area, Grid, Ref, call, divided, evaluate, excel, indicator_lines, number_format,
                              plus, project_table, prints_as, times)
from generator.loading.model import Evaluation, Funds, FundsRow, FundsRows, Indicator, Party, Published, Value
from generator.building.pipeline import run
from generator.quantities import parse_num
from generator.checking.scoring import score

from .conftest import CONTENT


@pytest.fixture(scope="module")
def seeds():
    report = run([CONTENT], use_cache=False, full=True)
    tables = {}
    for result in report.results:
        ev = result.evaluation
        form, scheme = registry.forms()[ev.form], registry.schemes()[ev.scheme]
        tables[Path(result.file).relative_to(CONTENT).with_suffix("").as_posix()] = (
            result, project_table(ev, result.scores, form, scheme))
    assert len(tables) == 23
    return tables


def _slots(grid: Grid) -> dict[tuple[int, int], list]:
    """Which cells cover each (row, column) of the printed columns."""
    covered: dict[tuple[int, int], list] = {}
    for cell in grid.cells():
        for r in range(cell.row, cell.row + cell.rows):
            for c in range(cell.col, cell.col + cell.cols):
                covered.setdefault((r, c), []).append(cell)
    return covered


def assert_tiles(grid: Grid) -> None:
    covered = _slots(grid)
    printed = len(grid.widths)
    for r in range(len(grid.rows)):
        for c in range(printed):
            assert len(covered.get((r, c), [])) == 1, (r, c, covered.get((r, c)))


def test_every_seed_grid_covers_each_slot_once_whole_and_split(seeds):
    for name, (result, grid) in seeds.items():
        assert_tiles(grid)
        lines = [row.line for row in grid.rows if row.line]
        assert_tiles(grid.split(lines[::3]))  # a break before every third row


def test_columns_follow_the_form_and_the_leaves_are_the_model(seeds):
    for name, (result, grid) in seeds.items():
        form = registry.forms()[result.evaluation.form]
        section = 1 if form.indicators_column else 0  # the 绩效指标 column, which the score sheet has not
        assert len(grid.widths) == section + len(form.levels) + len(form.indicator_columns), name
        assert sum(grid.widths) == pytest.approx(100, abs=0.5)
        leaves = [_name_cell(row) for row in _indicator_rows(grid) if _is_leaf_row(row)]
        assert all(cell.col == section + len(form.levels) - 1 for cell in leaves), name
        assert [cell.text for cell in leaves] == [
            form.label(len(leaf.path) + 1, leaf.node.name, leaf.node.weight.text if leaf.node.weight else None)
            for leaf in result.scores.leaves], name


def _indicator_rows(grid: Grid):
    return [row for row in grid.rows if row.line is not None]


def _is_leaf_row(row) -> bool:
    """A row of an assessed indicator: it prints a target or actual, or a text beside it
    (偏差原因, or a department report's 指标解释 and 评分标准)."""
    return any(c.role in ("value", "note") for c in row.cells)


def _name_cell(row):
    return next(c for c in row.cells if c.role == "name")


def test_level_labels_span_their_indicators(seeds):
    result, grid = seeds["zibo-gxj/2020/07-rengong-zhineng-guihua"]
    form = registry.forms()[result.evaluation.form]
    level1 = [c for c in grid.cells() if c.role == "level-1"]
    assert [c.text for c in level1] == [form.level1_title(n.name, n.weight.text) for n in result.evaluation.indicators]
    output = result.evaluation.indicators[0]
    assert level1[0].rows == sum(max(1, len(child.children)) for child in output.children)
    assert all(c.repeat for c in grid.cells() if c.role.startswith("level-") or c.role == "section")


def test_empty_categories_follow_the_form_in_the_one_grid(seeds):
    """安庆 marks an empty category 不适用, 淄博 2020 prints an empty row, 淄博 2021 leaves it out."""
    for name, (result, grid) in seeds.items():
        form = registry.forms()[result.evaluation.form]
        empty = [n for level1 in result.evaluation.indicators for n in level1.children
                 if not n.children and n.weight is None and n.score is None]
        labels = {c.text for c in grid.cells() if c.role == "level-2"}
        marks = [_name_cell(row).text for row in _indicator_rows(grid) if not _is_leaf_row(row)]
        if form.empty_category == "omit":
            assert not any(n.name in labels for n in empty) and not marks, name
        else:
            assert all(n.name in labels for n in empty), name
            assert marks == [{"row": "", "not-applicable": "不适用"}[form.empty_category]] * len(empty), name


# --- formulas ------------------------------------------------------------------------------

def _a1(ref: Ref) -> str:
    return f"{'ABCDEFGHIJKLMNOP'[ref.col]}{ref.row + 1}"


def test_formulas_in_spreadsheet_notation():
    g5, f5, e5 = Ref(4, 6), Ref(4, 5), Ref(4, 4)
    assert excel(call("ROUND", times(g5, call("MIN", divided(f5, e5), Decimal(1))), 2), _a1) == \
        "ROUND(G5*MIN(F5/E5,1),2)"
    assert excel(plus(Ref(5, 6), call("SUM", Area(Ref(11, 6), Ref(20, 6)))), _a1) == "G6+SUM(G12:G21)"
    assert excel(times(plus(g5, f5), e5), _a1) == "(G5+F5)*E5"
    assert excel(divided(g5, times(f5, e5)), _a1) == "G5/(F5*E5)"


def test_formulas_compute_as_a_spreadsheet_does():
    numbers = {Ref(0, 0): Decimal("71.9"), Ref(0, 1): Decimal(80), Ref(1, 0): Decimal(5)}
    number = numbers.get
    assert evaluate(divided(Ref(0, 0), Ref(0, 1)), number) == Decimal("0.89875")
    assert evaluate(call("ROUND", Decimal("8.9875"), 2), number) == Decimal("8.99")  # half away from zero
    assert evaluate(call("SUM", Area(Ref(0, 0), Ref(2, 1))), number) == Decimal("156.9")  # blanks skipped
    assert evaluate(plus(Ref(2, 2), Ref(1, 0)), number) == 5  # a blank counts 0
    assert evaluate(divided(Ref(1, 0), Ref(2, 2)), number) is None  # #DIV/0!


def _cell(grid: Grid, what: str):
    return next(c for c in grid.cells() if c.what == what)


def test_formulas_give_jixiaos_figures_on_every_seed(seeds):
    for name, (result, grid) in seeds.items():
        scores = result.scores
        total = _cell(grid, "总分")
        assert grid.value(Ref(total.row, total.col)) == scores.total, name
        form = registry.forms()[result.evaluation.form]
        if "weight" in form.total_columns:
            weights = _cell(grid, "分值合计")
            assert grid.value(Ref(weights.row, weights.col)) == scores.weight_total, name
        subtotals = [grid.value(Ref(c.row, c.col)) for c in grid.cells()
                     if c.role == "aside" and c.formula and c.col == len(grid.widths) + 2]
        assert subtotals == [s.score for s in scores.subtotals if s.depth == 1], name
        if not form.funds_block:
            continue
        funds = _cell(grid, "资金得分")
        assert grid.value(Ref(funds.row, funds.col)) == scores.funds_score_used, name
        rate = _cell(grid, "年度资金总额执行率")
        if rate.formula is not None:
            assert grid.value(Ref(rate.row, rate.col)) == scores.rates["total"], name


def _published_departures(result) -> set[str]:
    """Figures the original printed otherwise than its own numbers give, from the model."""
    ev, scores, form = result.evaluation, result.scores, registry.forms()[result.evaluation.form]
    published, found = ev.published, set()
    if published is None:
        return found
    for what, printed, computed in (("总分", published.total, scores.total),
                                    ("分值合计", published.weight_total, scores.weight_total),
                                    ("资金得分", published.funds_score, scores.funds_score)):
        if printed is not None and computed is not None and printed.value != computed.quantize(printed.value):
            found.add(what)
    for key, printed in published.rates.items():
        computed = scores.rates.get(key)
        if computed is not None and key in form.rate_rows and \
                round(computed * 100, printed.places) != round(printed.value * 100, printed.places):
            found.add(key)
    return found


def test_departures_are_the_published_figures_that_do_not_add_up(seeds):
    """企业家培训 prints 总分 100 where its scores give 95; 人工智能's `08` makes 898.75%."""
    seen = 0
    for name, (result, grid) in seeds.items():
        departed = {c.what for c, _ in grid.departures()}
        expected = _published_departures(result)
        names = {"total": "年度资金总额执行率", "fiscal": "财政拨款执行率"}
        assert departed == {names.get(what, what) for what in expected}, name
        seen += len(departed)
    assert seen >= 2


def test_figures_that_cannot_be_computed_are_copied_and_said_so(seeds):
    for name, (result, grid) in seeds.items():
        funds = result.evaluation.funds
        copied = [c for c in grid.cells() if c.copied]
        if funds is not None and funds.rows.total.executed is None:
            assert copied and all(c.formula is None and c.number is not None for c in copied), name
            assert all("全年执行数空白" in c.copied for c in copied)
            assert {c.text for c in copied} <= {n.text for n in (result.evaluation.published.funds_score,
                                                               *result.evaluation.published.rates.values())}
        else:
            assert not copied, name


@pytest.mark.parametrize("text, fmt", [("5.00", "0.00"), ("560.84", "0.00"), ("2650", "0"), ("08", "00"),
                                       ("71.9", "0.0"), ("89.88%", "0.00%"), ("100%", "0%"), ("1,000", "#,##0")])
def test_number_formats_keep_the_printed_text(text, fmt):
    assert number_format(text) == fmt


def test_a_figure_prints_as_its_text_at_the_texts_precision():
    assert prints_as(Decimal("0.89875"), "89.88%") and not prints_as(Decimal("8.9875"), "89.88%")
    assert prints_as(Decimal("95.00"), "95") and not prints_as(Decimal(95), "100")
    assert prints_as(None, "") and not prints_as(Decimal(1), "")


# --- page breaks ------------------------------------------------------------------------------

def test_repeated_cells_are_cut_at_page_breaks_and_labelled_again(seeds):
    result, grid = seeds["anqing-jxj/2023/02-jieneng-huanbao"]
    breaks = [10, 25]
    split = grid.split(breaks)
    starts = [i for i, row in enumerate(split.rows) if row.page_start]
    assert [split.rows[i].line for i in starts] == breaks
    for start in starts:
        labels = {c.role: c.text for c in split.rows[start].cells}
        assert labels["section"] == "绩效指标" and labels["level-1"] and labels["level-2"]
    for cell in split.cells():  # no repeated cell runs across a break
        assert not any(cell.row < s < cell.row + cell.rows for s in starts) or not cell.repeat
    whole = {c.text: c.rows for c in grid.cells() if c.role == "level-1"}
    pieces: dict[str, int] = {}
    for cell in split.cells():
        if cell.role == "level-1":
            pieces[cell.text] = pieces.get(cell.text, 0) + cell.rows
    assert pieces == whole


# --- trees deeper than the seeds' -----------------------------------------------------------

def four_level_form():
    """安庆's form, declaring a fourth level and a width for each of its ten columns."""
    return replace(registry.forms()["anqing-2023"], id="four-levels",
                   levels=("一级指标", "二级指标", "三级指标", "四级指标"),
                   column_widths=(7, 8, 8, 8, 18, 11, 11, 6, 7, 16))


def _num(text: str):
    return parse_num(text)


def four_level_evaluation() -> Evaluation:
    """产出/效益 → categories → sub-categories → assessed indicators, with a category left empty."""
    def leaf(name, weight, points, target="≥90%", actual="95%"):
        return Indicator(name=name, weight=_num(weight), score=_num(points), target=Value(target), actual=Value(actual))

    quantity = Indicator(name="数量指标", children=[
        Indicator(name="培训", children=[leaf("办班期数", "10", "10", "≥10 期", "12 期"),
                                         leaf("参加人数", "10", "9", "≥500 人", "450 人")]),
        Indicator(name="宣传", children=[leaf("活动场次", "5", "5")]),
    ])
    quality = Indicator(name="质量指标", children=[
        Indicator(name="产品", children=[leaf("合格率", "15", "15"), leaf("优良率", "10", "10")]),
        Indicator(name="空白小类"),
    ])
    benefit = Indicator(name="社会效益指标", children=[
        Indicator(name="带动", children=[leaf("新增就业", "15", "15", "提高", "提高"),
                                         leaf("企业满意度", "15", "14", "≥90%", "88%")]),
    ])
    return Evaluation(
        project="四级指标示例项目", year=2023, form="four-levels", scheme="national",
        department=Party(name="示例局", code="601"), implementer=Party(name="示例局本级"),
        funds=Funds(weight=_num("10"), rows=FundsRows(
            total=FundsRow(initial=_num("100"), budget=_num("100"), executed=_num("90")))),
        indicators=[Indicator(name="产出指标", weight=_num("50"), children=[quantity, quality]),
                    Indicator(name="效益指标", weight=_num("30"), children=[benefit])],
        published=Published())


def four_level_table():
    form, scheme = four_level_form(), registry.schemes()["national"]
    ev = four_level_evaluation()
    scores = score(ev, form, scheme)
    return ev, scores, form, scheme


def test_a_four_level_tree_merges_at_every_level():
    ev, scores, form, scheme = four_level_table()
    grid = project_table(ev, scores, form, scheme)
    assert_tiles(grid)
    assert len(grid.widths) == 10
    head = next(row for row in grid.rows if any(c.text == "四级指标" for c in row.cells))
    assert [c.text for c in head.cells[1:5]] == ["一级指标", "二级指标", "三级指标", "四级指标"]
    for depth in (1, 2, 3):
        merged = [c for c in grid.cells() if c.role == f"level-{depth}" and c.rows > 1]
        assert merged, depth
    spans = {c.text: c.rows for c in grid.cells() if c.role.startswith("level-")}
    assert spans["产出指标 (50 分)"] == 6 and spans["数量指标"] == 3 and spans["培训"] == 2
    assert spans["空白小类"] == 1  # an empty category prints as a row, marked as the form says
    total = _cell(grid, "总分")
    assert grid.value(Ref(total.row, total.col)) == scores.total == Decimal(9) + 78


def test_a_deeper_tree_than_the_form_gets_a_column_per_level():
    ev = four_level_evaluation()
    form, scheme = registry.forms()["zibo-2020"], registry.schemes()["national"]
    grid = project_table(ev, score(ev, form, scheme), form, scheme)
    assert len(grid.widths) == 10 and sum(grid.widths) == pytest.approx(100, abs=0.1)
    assert any(c.text == "四级指标" and c.role == "column" for c in grid.cells())
    assert_tiles(grid)


def test_indicator_lines_follow_the_tree_not_the_form():
    ev = four_level_evaluation()
    lines = indicator_lines(ev.indicators, 4, "row")
    assert [len(line.path) for line in lines] == [3, 3, 3, 3, 3, 3, 3, 3]
    assert [line.leaf.name if line.leaf else None for line in lines] == [
        "办班期数", "参加人数", "活动场次", "合格率", "优良率", None, "新增就业", "企业满意度"]
    assert indicator_lines(ev.indicators, 4, "omit")[5].leaf.name == "新增就业"


# --- a form that prints the points in the names, without the 绩效指标 column: the score sheet ----------

def test_the_score_sheet_form_starts_at_level_1_under_its_one_title_line(seeds):
    result, grid = seeds["shanting-gxj/2021/01-bumen-zhengti"]
    ev = result.evaluation
    title = grid.rows[grid.part("title").first].cells
    assert [c.text for c in title] == [f"{ev.year}年度{ev.department.name}部门整体绩效评价指标体系及得分表"]
    assert [p.name for p in grid.parts] == ["title", "indicators"]  # no header rows, no top table
    head = grid.rows[grid.part("indicators").first].cells
    assert [c.text for c in head if c.col < len(grid.widths)] == [
        "一级指标", "二级指标", "三级指标", "四级指标", "指标解释", "评分标准", "得分"]
    assert not [c for c in grid.cells() if c.role in ("section", "section-head")]
    total = next(row for row in grid.rows if row.role == "total")
    assert total.cells[0].text == "合计" and total.cells[0].cols == len(grid.widths) - 1
    assert grid.value(Ref(total.cells[1].row, total.cells[1].col)) == result.scores.total


def test_points_printed_in_the_names_are_summed_aside(seeds):
    """Each row's points in a column after the printed ones; each category's points and score
    subtotals sum its rows there, and give the scored tree's subtotals."""
    result, grid = seeds["shanting-gxj/2021/01-bumen-zhengti"]
    head = {c.text: c.col for c in grid.rows[grid.part("indicators").first].cells if c.role == "aside-head"}
    points = [grid.value(Ref(row.cells[0].row, head["分值"])) for row in _indicator_rows(grid)]
    assert points == [leaf.weight for leaf in result.scores.leaves]
    by_row = {}
    for cell in grid.cells():
        if cell.role == "level-1":
            by_row[cell.row] = cell.text.split("（")[0]
    level1 = {s.node.name: s for s in result.scores.subtotals if s.depth == 1}
    assert sorted(by_row.values()) == sorted(level1)
    for row, name in by_row.items():
        assert grid.value(Ref(row, head["一级指标分值小计"])) == level1[name].weight
        assert grid.value(Ref(row, head["一级指标得分小计"])) == level1[name].score


def test_a_page_draws_the_table_before_its_spreadsheet_figures_and_working_them_out_changes_nothing_drawn(
        seeds, tmp_path):
    """The HTML draws the grid as laid out (`ProjectTable.drawn_grid`); the spreadsheet's figures
    (the subtotals beside the table, the number formats) are worked out on that same grid
    when first asked for, and change nothing the HTML shows."""
    from generator.layout import ProjectTable
    from generator.render.printing.view import blocks_html
    from generator.render.templating import environment

    env = environment(tmp_path)
    for name, (result, whole) in seeds.items():
        ev = result.evaluation
        block = ProjectTable(ev, result.scores, registry.forms()[ev.form], registry.schemes()[ev.scheme])
        drawn = blocks_html([block], env, heading="h2")
        asides = [cell for cell in block.drawn_grid.computed if cell.role == "aside"]
        assert asides and not any(cell.text for cell in asides), name  # not worked out yet
        assert block.grid is block.drawn_grid and block.grid == whole, name  # laid out once
        assert all(cell.text for cell in asides), name
        assert blocks_html([block], env, heading="h2") == drawn, name
