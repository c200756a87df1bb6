"""Layout: a table laid out once, as a grid of cells that every renderer draws (the HTML
template for the site and the PDF, the XLSX writer). `grid.py` holds the cells, formulas
and page breaks; `table.py` lays the 项目支出绩效自评表 out from its form."""
from .grid import (Area, Cell, Formula, Grid, Part, Ref, Row, call, divided, evaluate, excel, number_format, plus,
                   prints_as, times)
from .table import Line, indicator_lines, project_table, rate_format, tree_depth

__all__ = ["Area", "Cell", "Formula", "Grid", "Line", "Part", "Ref", "Row", "call", "divided", "evaluate", "excel",
           "indicator_lines", "number_format", "plus", "prints_as", "project_table", "rate_format", "times",
           "tree_depth"]
