"""``graphguard._console.progress``: a bar on a terminal only; in a log (a file, a pipe) it leaves nothing behind."""

from __future__ import annotations

from graphguard import _console


def test_a_progress_bar_off_a_terminal_writes_nothing(capsys):
    _console.log("before")
    with _console.progress("work", total=3) as advance:
        for _ in range(3):
            advance()
    _console.log("after")
    assert capsys.readouterr().err == "before\nafter\n"  # it was "before\n\nafter\n": a blank line per bar



def test_a_long_log_line_stays_one_line_in_a_log(capsys):
    """Off a terminal rich wraps at 80 columns: a long path in a log line was split over two lines."""
    msg = "ingested " + "/data/exports/" + "x" * 150 + ".csv in 1.2 s"
    _console.log(msg)
    assert capsys.readouterr().err == msg + "\n"
