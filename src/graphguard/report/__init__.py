"""Self-contained HTML reports (inline PNG figures, no scripts or external fonts) for finished runs."""

from graphguard.report.build import render_graph_report, render_link_report, render_node_report, write_report

__all__ = ["write_report", "render_node_report", "render_link_report", "render_graph_report"]
