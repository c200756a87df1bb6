"""Layout: a table laid out once, as a grid of cells that every renderer draws (the HTML
template for the site and the PDF, the XLSX writer). `grid.py` holds the cells, formulas
and page breaks; `table.py` lays the 项目支出绩效自评表 out from its form; `document.py`
makes documents (a bundle, one evaluation's printout) of blocks: cover, index, table,
Markdown section and figure table."""
from .document import (Cover, Document, FigureTable, Index, ProjectTable, Section, bundle_document,
                       evaluation_blocks, figure_grid, markdown_html, markdown_paragraphs)
from .grid import (Area, Cell, Formula, Grid, Part, Ref, Row, call, divided, evaluate, excel, number_format, plus,
                   prints_as, times)
from .table import Line, indicator_lines, project_table, rate_format, tree_depth

__all__ = ["Area", "Cell", "Cover", "Document", "FigureTable", "Formula", "Grid", "Index", "Line", "Part",
           "ProjectTable", "Ref", "Row", "Section", "bundle_document", "call", "divided", "evaluate",
           "evaluation_blocks", "excel", "figure_grid", "indicator_lines", "markdown_html", "markdown_paragraphs",
           "number_format", "plus", "prints_as", "project_table", "rate_format", "times", "tree_depth"]
