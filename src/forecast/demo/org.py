"""The demo company's people and how they report to each other over time.

CRO -> 3 VPs (one per segment) -> directors -> managers -> reps. In a few teams a senior rep is
a team lead (a player-coach who sells and manages two reps), so the tree is six levels deep
there. During the history a few reps move team, one or two leave (their open deals go to a
teammate, their successor) and a replacement is hired a few weeks later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.demo import clock, names

CRO, VP, DIRECTOR, MANAGER, REP = range(5)
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
EMAIL_DOMAIN = "demo-sales.example"


@dataclass(frozen=True)
class Org:
    person_id: np.ndarray   # 'P0001', ...
    name: np.ndarray
    email: np.ndarray
    title: np.ndarray
    role: np.ndarray        # CRO .. REP (team leads and hires are REP)
    segment: np.ndarray     # index into SEGMENTS (the CRO's is 0 and unused)
    start: np.ndarray       # first working day
    end: np.ndarray         # leaving day (inactive from then), clock.NEVER if still here
    owns_deals: np.ndarray  # reps, plus some managers who keep a few accounts
    successor: np.ndarray   # who takes a leaver's deals, -1 otherwise
    productivity: np.ndarray  # multiplies deal creation
    skill: np.ndarray       # added to the win probability of the person's deals
    lead_load: np.ndarray   # share of inbound leads routed to the rep (overloaded = slow)
    call_bias: np.ndarray   # + over-calls, - sandbags
    line_person: np.ndarray  # reporting_lines rows, sorted by person then day
    line_manager: np.ndarray  # -1 = top of the tree
    line_day: np.ndarray
    line_active: np.ndarray

    @property
    def size(self) -> int:
        return len(self.person_id)

    def lines_on(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """(manager index or -1, is active) of every person on `day`, like lines_as_of()."""
        last = np.full(self.size, -1)
        valid = np.nonzero(self.line_day <= day)[0]
        np.maximum.at(last, self.line_person[valid], valid)
        known = last >= 0
        manager = np.where(known, self.line_manager[last], -1)
        active = known & self.line_active[last]
        return manager, active


def _counts(reps: int) -> tuple[int, int]:
    directors = max(3, round(reps / 20))
    managers = max(directors, round(reps / 8))
    return directors, managers


def _team_sizes(rng: np.random.Generator, reps: int, managers: int) -> np.ndarray:
    extra = rng.multinomial(reps - 2 * managers, rng.dirichlet(np.full(managers, 6.0)))
    return 2 + extra


def _people_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    first, last = len(names.FIRST_NAMES), len(names.LAST_NAMES)
    initials = "ABCDEFGHJKLMNPRSTW"
    combos = first * last * (1 + len(initials))
    if n > combos:
        raise ValueError(f"The demo can name at most {combos} people.")
    # plain 'First Last' names first; a middle initial only once those run out
    picks = np.sort(rng.choice(first * last, min(n, first * last), replace=False))
    if n > first * last:
        more = rng.choice(np.arange(first * last, combos), n - first * last, replace=False)
        picks = np.concatenate([picks, np.sort(more)])
    picks = rng.permutation(picks)
    full, mail = [], []
    for pick in picks:
        middle, rest = divmod(int(pick), first * last)
        f, s = names.FIRST_NAMES[rest // last], names.LAST_NAMES[rest % last]
        if middle:
            m = initials[middle - 1]
            full.append(f"{f} {m}. {s}")
            mail.append(f"{f}.{m}.{s}")
        else:
            full.append(f"{f} {s}")
            mail.append(f"{f}.{s}")
    email = [f"{_ascii(m).lower()}@{EMAIL_DOMAIN}" for m in mail]
    return np.array(full, dtype=object), np.array(email, dtype=object)


def _ascii(text: str) -> str:
    return text.translate(str.maketrans("ąęłńóśźżüöäéíáç", "aelnoszzuoaeiac"))


@dataclass
class _Tree:
    """The initial tree, plus the changes made to it during the history."""

    manager: np.ndarray
    role: np.ndarray
    segment: np.ndarray
    managers: np.ndarray  # ids of first-line managers
    plain: np.ndarray     # reps who neither lead nor are led by a team lead
    team_leads: list[int]
    lines: list[tuple[int, int, int, bool]]  # person, manager, day, is active
    moved: dict[int, tuple[int, int]]        # person -> (day, new manager)

    def manager_on(self, person: int, day: int) -> int:
        move = self.moved.get(int(person))
        return move[1] if move and move[0] <= day else int(self.manager[person])


def _initial_tree(rng: np.random.Generator, reps: int, warm_start: int) -> _Tree:
    n_dir, n_mgr = _counts(reps)
    vp_ids = np.arange(1, 4)
    dir_ids = 4 + np.arange(n_dir)
    mgr_ids = 4 + n_dir + np.arange(n_mgr)
    rep_ids = 4 + n_dir + n_mgr + np.arange(reps)
    n = 4 + n_dir + n_mgr + reps
    manager = np.full(n, -1)
    manager[vp_ids] = 0
    manager[dir_ids] = vp_ids[np.arange(n_dir) % 3]
    manager[mgr_ids] = dir_ids[np.arange(n_mgr) % n_dir]
    sizes = _team_sizes(rng, reps, n_mgr)
    manager[rep_ids] = np.repeat(mgr_ids, sizes)
    role = np.full(n, REP)
    role[0], role[vp_ids], role[dir_ids], role[mgr_ids] = CRO, VP, DIRECTOR, MANAGER
    segment = np.zeros(n, dtype=np.int64)
    segment[vp_ids] = np.arange(3)
    for ids in (dir_ids, mgr_ids, rep_ids):
        segment[ids] = segment[manager[ids]]
    # team leads: in the largest teams the first rep manages the next two
    team_leads, led = [], []
    first_rep = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for m in np.argsort(-sizes, kind="stable")[: max(1, n_mgr // 5)]:
        if sizes[m] >= 3:
            lead = int(rep_ids[first_rep[m]])
            team_leads.append(lead)
            led += [lead + 1, lead + 2]
    manager[led] = np.repeat(team_leads, 2)
    plain = np.setdiff1d(rep_ids, np.array(team_leads + led, dtype=np.int64))
    lines = [(p, int(manager[p]), warm_start, True) for p in range(n)]
    return _Tree(manager, role, segment, mgr_ids, plain, team_leads, lines, {})


def _move_reps(rng: np.random.Generator, tree: _Tree, movers, tl: clock.Timeline) -> None:
    """Each mover joins another team in the same segment mid-way through the history."""
    span = tl.today - tl.history_start
    for p in movers:
        day = int(clock.workday_after(tl.history_start + int(span * rng.uniform(0.3, 0.7))))
        current = tree.manager[p]
        same_vp = [m for m in tree.managers if tree.segment[m] == tree.segment[p] and m != current]
        others = same_vp or [m for m in tree.managers if m != current]
        tree.moved[int(p)] = (day, int(rng.choice(others)))
        tree.lines.append((int(p), tree.moved[int(p)][1], day, True))


def _leave_and_hire(rng: np.random.Generator, tree: _Tree, leavers, tl: clock.Timeline):
    """Leavers go inactive (their deals pass to a teammate); a hire replaces each a few weeks
    later. Returns (leaving day, successor) per person and the hires (manager, segment, day)."""
    n = len(tree.manager)
    end = np.full(n, clock.NEVER, dtype=np.int64)
    successor = np.full(n, -1)
    hires: list[tuple[int, int, int]] = []
    lo = tl.history_start + int(0.4 * (tl.today - tl.history_start))
    hi = max(lo + 1, tl.today - 45)
    for p in leavers:
        day = int(clock.workday_after(rng.integers(lo, hi)))
        boss = tree.manager_on(p, day)
        tree.lines.append((int(p), boss, day, False))
        end[p] = day
        mates = [q for q in tree.plain if q not in leavers and tree.manager_on(q, day) == boss]
        successor[p] = int(rng.choice(mates)) if mates else boss
        hire_day = int(clock.workday_after(day + rng.integers(14, 43)))
        if hire_day <= tl.today - 7:
            hires.append((boss, int(tree.segment[p]), hire_day))
    return end, successor, hires


def build_org(rng: np.random.Generator, reps: int, timeline: clock.Timeline) -> Org:
    tree = _initial_tree(rng, reps, timeline.warm_start)
    n_move, n_leave = max(1, round(0.04 * reps)), max(1, round(0.015 * reps))
    chosen = rng.choice(tree.plain, n_move + n_leave, replace=False)
    _move_reps(rng, tree, chosen[:n_move], timeline)
    end, successor, hires = _leave_and_hire(rng, tree, chosen[n_move:], timeline)

    n0, n = len(tree.manager), len(tree.manager) + len(hires)
    for i, (boss, _, day) in enumerate(hires):
        tree.lines.append((n0 + i, boss, day, True))
    role = np.concatenate([tree.role, np.full(len(hires), REP)])
    segment = np.concatenate([tree.segment, [h[1] for h in hires]]).astype(np.int64)
    start = np.concatenate([np.full(n0, timeline.warm_start), [h[2] for h in hires]])
    owns = role == REP
    owns[tree.managers[rng.random(len(tree.managers)) < 0.5]] = True
    owns[tree.managers[0]] = True  # at least one manager keeps accounts of their own
    name, email = _people_names(rng, n)
    width = max(4, len(str(n)))
    line = np.array(sorted(tree.lines, key=lambda row: (row[0], row[2])), dtype=object)
    return Org(
        person_id=np.array([f"P{i + 1:0{width}d}" for i in range(n)], dtype=object),
        name=name,
        email=email,
        title=_titles(rng, role, segment, tree.manager, tree.team_leads, n),
        role=role,
        segment=segment,
        start=start.astype(np.int64),
        end=np.concatenate([end, np.full(len(hires), clock.NEVER)]),
        owns_deals=owns,
        successor=np.concatenate([successor, np.full(len(hires), -1)]),
        productivity=rng.lognormal(0.0, 0.25, n),
        skill=rng.normal(0.0, 0.04, n),
        lead_load=rng.lognormal(0.0, 0.45, n),
        call_bias=_call_biases(rng, n),
        line_person=line[:, 0].astype(np.int64),
        line_manager=line[:, 1].astype(np.int64),
        line_day=line[:, 2].astype(np.int64),
        line_active=line[:, 3].astype(bool),
    )


def _call_biases(rng: np.random.Generator, n: int) -> np.ndarray:
    """A third sandbag (call 10-25 % under), a fifth over-call (8-20 % over), the rest +-4 %."""
    kind = rng.random(n)
    return np.where(
        kind < 0.33, -rng.uniform(0.10, 0.25, n),
        np.where(kind < 0.53, rng.uniform(0.08, 0.20, n), rng.uniform(-0.04, 0.04, n)),
    )


def _titles(rng, role, segment, manager, team_leads, n) -> np.ndarray:
    seg = [SEGMENTS[s] for s in segment]
    regions_used: dict[int, int] = {}
    out = []
    for p in range(n):
        if role[p] == CRO:
            out.append("Chief Revenue Officer")
        elif role[p] == VP:
            out.append(f"VP Sales, {seg[p]}")
        elif role[p] == DIRECTOR:
            k = regions_used.get(manager[p], 0)
            regions_used[manager[p]] = k + 1
            region = names.DIRECTOR_REGIONS[k % len(names.DIRECTOR_REGIONS)]
            out.append(f"Director of Sales, {seg[p]} {region}")
        elif role[p] == MANAGER:
            out.append(f"Sales Manager, {seg[p]}")
        elif p in team_leads:
            out.append("Team Lead, Account Executive")
        elif segment[p] == 2:
            out.append("Enterprise Account Executive")
        else:
            out.append("Senior Account Executive" if rng.random() < 0.3 else "Account Executive")
    return np.array(out, dtype=object)
