"""Synthetic evaluations shaped as the issue asks, "about 4 KB and 36 indicators each, like
the seeds": 36 indicator rows (3 level-1, 9 level-2, 24 assessed), as in the 2021 Zibo table
“五个优化”及“四强”产业攀登专项 (3.9 KB, 37 rows)."""
from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

UNITS = ["工业和信息化局", "财政局", "教育局", "卫生健康委员会", "交通运输局", "农业农村局",
         "生态环境局", "科学技术局", "商务局", "民政局"]
WORDS = ["互联网", "人工智能", "智能制造", "节能环保", "安全生产", "中小企业", "数字化转型", "绿色工厂",
         "产业链", "技术改造", "人才培训", "公共服务", "乡村振兴", "食品安全", "职业教育", "医疗保障"]
LEVEL2 = [("产出指标", 50, ["数量指标", "质量指标", "时效指标", "成本指标"]),
          ("效益指标", 30, ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"]),
          ("满意度指标", 10, ["服务对象满意度指标"])]
SPLIT = {"产出指标": [4, 3, 3, 2], "效益指标": [3, 3, 2, 2], "满意度指标": [2]}  # 24 assessed rows
LEAF_WEIGHTS = {"产出指标": [5] * 4 + [4] * 6 + [3] * 2, "效益指标": [3] * 10, "满意度指标": [5, 5]}


def _leaf(rng: random.Random, weight: int, index: int) -> tuple[str, Decimal]:
    """An assessed row, and its score."""
    word = rng.choice(WORDS)
    if index % 3 == 0:
        target = rng.choice([50, 100, 200, 500])
        actual = int(target * rng.uniform(0.8, 1.2))
        score = Decimal(weight) if actual >= target else _cents(Decimal(weight * actual) / target)
        reason = "" if score == weight else ", reason: 受客观因素影响"
        return (f"{{name: {word}{index}, target: \"≥{target} 个\", actual: {actual} 个, "
                f"weight: {weight}, score: {score}{reason}}}"), score
    return (f"{{name: {word}成效{index}, target: 效果明显, actual: 达成预期指标, "
            f"weight: {weight}, score: {weight}}}"), Decimal(weight)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def evaluation_text(rng: random.Random, number: int) -> str:
    budget = rng.randint(10, 5000)
    executed = round(budget * rng.uniform(0.6, 1.0), 2)
    lines = [f"# 第 {number} 号项目支出绩效自评表（合成数据）",
             f"project: {rng.choice(WORDS)}{rng.choice(WORDS)}专项资金第{number}号",
             "year: 2024",
             "funds:", "  weight: 10", "  rows:",
             f"    total: {{initial: {budget}, budget: {budget}, executed: {executed}}}",
             f"    fiscal: {{initial: {budget}, budget: {budget}, executed: {executed}}}",
             "    carryover: {initial: 0, budget: 0, executed: 0}",
             "    other: {initial: 0, budget: 0, executed: 0}",
             "goals:",
             f"  expected: 围绕{rng.choice(WORDS)}和{rng.choice(WORDS)}完成年度重点任务，支持企业全面创新，"
             "培育壮大骨干企业，全面优化发展环境，加快推进制造业向智能化、高端化、绿色化方向延伸拓展。",
             f"  actual: 按计划推进{rng.choice(WORDS)}工作，各项指标基本完成。",
             "indicators:"]
    funds_score = _cents(10 * Decimal(str(executed)) / budget)
    index, total = 0, funds_score
    for level1, weight, level2s in LEVEL2:
        lines += [f"  - name: {level1}", f"    weight: {weight}", "    children:"]
        weights = iter(LEAF_WEIGHTS[level1])
        for level2, count in zip(level2s, SPLIT[level1]):
            lines += [f"      - name: {level2}", "        children:"]
            for _ in range(count):
                index += 1
                text, score = _leaf(rng, next(weights), index)
                lines.append("          - " + text)
                total += score
    lines += ["published:", f"  total: {total}", "  weight_total: 100", f"  funds_score: {funds_score}"]
    return "\n".join(lines) + "\n"


def _defaults(unit_number: int) -> str:
    unit = UNITS[unit_number % len(UNITS)]
    return (f"department: {{name: 示例{unit_number}市{unit}, code: \"{100 + unit_number}\"}}\n"
            f"implementer: {{name: 示例{unit_number}市{unit}本级, code: \"{100 + unit_number}001\"}}\n"
            "form: anqing-2023\nscheme: national\n")


def write_content(root: Path, count: int, seed: int = 1) -> list[Path]:
    """`count` evaluation files under root/content, 100 per unit directory."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    # Printing (PDF/XLSX) is measured on its own by benchmarks/print_speed.py.
    (root / "site_config.yml").write_text("site_name: 基准测试\nprint: false\n", encoding="utf-8")
    paths = []
    for number in range(count):
        directory = root / "content" / f"unit-{number // 100:03d}" / "2024"
        if not directory.exists():
            directory.mkdir(parents=True)
            (directory / "_defaults.yml").write_text(_defaults(number // 100), encoding="utf-8")
        path = directory / f"{number:05d}.yml"
        path.write_text(evaluation_text(rng, number), encoding="utf-8")
        paths.append(path)
    return paths
