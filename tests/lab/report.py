"""One row per scenario x transport x tool, and the table printed at the end of a lab run."""

import dataclasses

import clientrun


@dataclasses.dataclass
class Row:
    scenario: str
    transport: str
    tool: str
    first_ms: float = None  # request 1: time to first response
    later_ms: float = None  # requests 2..N: the slowest time to first response
    winner: str = None  # family of request 1's winner; later ones after "/" when different
    server_txns: int = 0
    result: str = "?"  # ok | FAIL | info (a reference figure, not asserted)
    note: str = ""

    def fill_from(self, run, txns):
        reqs = run.requests
        if reqs:
            self.first_ms = reqs[0].get("time_to_first_response_ms")
            later = [r.get("time_to_first_response_ms") for r in reqs[1:]]
            if later and all(v is not None for v in later):
                self.later_ms = max(later)
            wins = [clientrun.winner_family(r) or "-" for r in reqs]
            self.winner = wins[0] + ("" if len(set(wins[1:]) - {wins[0]}) == 0
                                     else "/" + ",".join(sorted(set(wins[1:]))))
        self.server_txns = len([r for r in txns if r.get("method") == "OPTIONS"])

    def ok(self):
        self.result = "ok"
        return self

    def info(self):
        self.result = "info"
        return self

    def fail(self, why):
        self.result = "FAIL"
        self.note = why
        return self


COLUMNS = (("scenario", 24), ("transport", 9), ("client", 29), ("first ms", 9),
           ("later ms", 9), ("winner", 10), ("srv txn", 7), ("result", 6))


def _fmt_ms(v):
    return "-" if v is None else f"{v:.1f}"


def _cells(row):
    return (row.scenario, row.transport, row.tool, _fmt_ms(row.first_ms), _fmt_ms(row.later_ms),
            row.winner or "-", str(row.server_txns), row.result)


def table_lines(columns, rows):
    """A fixed-width markdown table: columns are (name, width), rows are lists of cells."""
    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, (_, w) in zip(cells, columns)) + " |"
    return ([line([name for name, _ in columns]),
             "|" + "|".join("-" * (w + 2) for _, w in columns) + "|"] +
            [line(cells) for cells in rows])


def print_row(row):
    note = f"  ({row.note})" if row.note else ""
    print(f"  {row.result:4} {row.scenario} / {row.transport} / {row.tool}: first "
          f"{_fmt_ms(row.first_ms)} ms, later {_fmt_ms(row.later_ms)} ms, winner "
          f"{row.winner or '-'}{note}", flush=True)


def print_table(rows, state):
    rtt = state.data.get("rtt_ms", 0)
    print(f"\nlab results (SIP link RTT {rtt} ms; server: {state.data.get('server_kind')}; "
          "first = request 1, later = slowest of requests 2..N, time to first response)")
    print("\n".join(table_lines(COLUMNS, [_cells(row) for row in rows])))
    for row in rows:
        if row.note:
            print(f"  {row.result}: {row.scenario} / {row.transport} / {row.tool}: {row.note}")
