"""Learned policies: load a shipped ONNX model and let it choose a pass pipeline for a module, step by step.

A model is ``NAME.onnx`` plus its card ``NAME.json`` (and the vocabulary the card names) in one directory.
:func:`optimize_module` is *the* optimisation loop (graph of the current IR -> policy -> apply the action ->
repeat); ``rlopt -O-rl``, ``rlopt-cc`` and ``rlopt-train eval`` all run it, so a policy behaves the same
everywhere it is used. Inference needs only onnxruntime and numpy. A one-shot :class:`Selector` (the shipped
models) needs neither numpy nor onnxruntime's Python module (:mod:`rlopt.ort`): ``rlopt -O-rl`` loads them only
for a step-by-step :class:`Policy`.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rlopt.models
from rlopt import ort, passes
from rlopt.errors import RloptError, ToolCrash, ToolError, ToolTimeout
from rlopt.toolchain import Toolchain

if TYPE_CHECKING:
    import numpy as np

    from rlopt.engine import Backend, Engine

#: Where the shipped models are (``rlopt.models``' directory: importlib.resources would cost ``-O-rl`` ~10 ms).
MODELS_DIR = Path(next(iter(rlopt.models.__path__)))
DEFAULT_MODEL = "speed"
#: The graph inputs every model takes (int64), in the order of the export contract.
GRAPH_INPUTS = ("node_tokens", "node_types", "edge_index", "edge_flow", "edge_position")
#: Stop after this many consecutive actions that leave the IR unchanged (the policy has run out of ideas).
DEFAULT_PATIENCE = 3


#: The exported model inside a training run's directory (``rlopt-train export RUN`` writes it there).
RUN_MODEL = "policy.onnx"


def resolve_model(model: str | os.PathLike | None) -> Path:
    """A shipped model's name (``speed`` -> ``models/speed.onnx``; a file or directory of that name in the
    working directory does not hide it), a path to an ``.onnx`` file or a training run's directory (its exported
    :data:`RUN_MODEL`); ``$RLOPT_MODEL``."""
    model = str(model or os.environ.get("RLOPT_MODEL") or DEFAULT_MODEL)
    path = Path(model)
    shipped = MODELS_DIR / f"{model}.onnx"
    if path.suffix != ".onnx" and shipped.is_file():
        return shipped
    if path.is_dir():
        if not (path / RUN_MODEL).is_file():
            raise RloptError(f"{model} has no {RUN_MODEL}: run 'rlopt-train export {model}' first")
        return path / RUN_MODEL
    if path.is_file() and path.suffix != ".onnx":
        if path.suffix == ".pt":
            raise RloptError(f"{model} is a training checkpoint, not a model: export it first with "
                             f"'rlopt-train export {model}'")
        raise RloptError(f"{model} is not a model (an .onnx file, a training run's directory or a shipped name)")
    if path.suffix != ".onnx":
        path = shipped
    if not path.is_file():
        available = sorted(p.stem for p in MODELS_DIR.glob("*.onnx"))
        hint = f"available: {', '.join(available)}" if available else "no trained model is installed yet"
        raise RloptError(f"model '{model}' not found ({hint}); use -O3 or --passes= instead")
    return path


def model_objective(model: str | os.PathLike | None) -> str:
    """What a model optimises, from its card (``speed`` unless the card says ``size``), without loading it: the
    tuning database is consulted under this objective before any model runs."""
    try:
        card = json.loads(resolve_model(model).with_suffix(".json").read_text())
    except (OSError, ValueError):
        return "speed"
    return "size" if isinstance(card, dict) and card.get("objective") == "size" else "speed"


@dataclass(frozen=True)
class ModelCard:
    """What a model was trained for; :meth:`Policy.load` refuses a model whose card does not fit this build."""

    action_space: str
    actions: tuple[str, ...]
    mask: tuple[int, ...]
    vocab_file: str
    vocab_sha256: str
    llvm_version: str
    max_steps: int
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def read(cls, path: Path) -> ModelCard:
        """Parse ``NAME.json``; a missing or malformed card is a clear error, not a KeyError."""
        try:
            raw = json.loads(path.read_text())
            actions = tuple(raw["actions"])
            return cls(action_space=str(raw["action_space"]), actions=actions,
                       mask=tuple(int(i) for i in raw.get("mask", range(len(actions)))),
                       vocab_file=str(raw["vocab_file"]), vocab_sha256=str(raw["vocab_sha256"]),
                       llvm_version=str(raw["llvm_version"]), max_steps=int(raw["max_steps"]), raw=raw)
        except FileNotFoundError:
            raise RloptError(f"model card {path} not found (a model needs NAME.onnx and NAME.json)") from None
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise RloptError(f"model card {path} is invalid: {type(e).__name__}: {e}") from None


@dataclass
class RolloutResult:
    """The outcome of :func:`optimize_module`: the effective pipeline, the actions behind it, and the IR."""

    pipeline: str
    actions: list[str]
    ir: bytes
    steps: int = 0
    fell_back: bool = False


class Policy:
    """An ONNX policy over ProGraML graph arrays with the action space and vocabulary its card names."""

    def __init__(self, path: Path, card: ModelCard, vocab: Any, session: Any):
        self.path = path
        self.card = card
        self.vocab = vocab
        self.session = session
        self.space: tuple[passes.Action, ...] = passes.ACTION_SPACES[card.action_space]
        self.input_names = {i.name for i in session.get_inputs()}
        import numpy as np  # numpy loads with the step-by-step policies only (see the module docstring)

        self._allowed = np.zeros(len(self.space), dtype=bool)
        self._allowed[list(card.mask)] = True
        self._allowed &= np.array([a.safe for a in self.space])  # also for cards written before a hazard was known
        # knob actions (rlopt-extended-v2) need their LLVM options beside the pipeline, which the one-pipeline
        # replay of a step-by-step policy cannot carry: such a policy runs without them (docs/knobs.md)
        self._allowed &= np.array([not a.options for a in self.space])

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, *, toolchain: Toolchain | None = None) -> Policy:
        """Load a model by name or path and check that its card matches this build (and ``toolchain``)."""
        path = resolve_model(model)
        card = ModelCard.read(path.with_suffix(".json"))
        space = passes.ACTION_SPACES.get(card.action_space)
        if space is None:
            raise RloptError(f"{path.name}: unknown action space '{card.action_space}' "
                             f"(this rlopt knows {', '.join(passes.ACTION_SPACES)})")
        if list(card.actions) != [a.name for a in space]:
            raise RloptError(f"{path.name}: its action names differ from this rlopt's '{card.action_space}'")
        if not card.mask or max(card.mask) >= len(space) or min(card.mask) < 0:
            raise RloptError(f"{path.name}: action mask out of range for '{card.action_space}'")
        _check_llvm(path, card.llvm_version, toolchain)
        from rlopt.vocab import Vocabulary

        vocab = Vocabulary.load(path.parent / card.vocab_file)
        if vocab.sha256 != card.vocab_sha256:
            raise RloptError(f"{path.name}: vocabulary {card.vocab_file} does not match the card's sha256 "
                             "(node tokens would mean something else than in training)")
        return cls(path, card, vocab, _session(path))

    def logits(self, arrays: Any, ir_text: str | None = None) -> np.ndarray:
        """Raw action logits for one graph (``arrays`` from ``graph.build(ir).arrays(policy.vocab)``)."""
        features = None
        if "autophase" in self.input_names:
            if ir_text is None:
                raise RloptError(f"{self.path.name} needs Autophase features: pass the IR text")
            from rlopt.features import autophase

            features = autophase(ir_text)
        import numpy as np

        out = self.session.run(["logits"], graph_feeds(arrays, features))[0]
        return np.asarray(out, dtype=np.float64).reshape(-1)

    def probabilities(self, arrays: Any, mask: np.ndarray | None = None, *, ir_text: str | None = None) -> np.ndarray:
        """The policy's distribution over the card's allowed actions, narrowed by ``mask`` (0 elsewhere)."""
        import numpy as np

        logits = self.logits(arrays, ir_text)
        if logits.shape[0] != len(self.space):
            raise RloptError(f"{self.path.name}: {logits.shape[0]} logits for {len(self.space)} actions")
        allowed = self.allowed(mask)
        if not allowed.any():
            raise RloptError("no allowed action left")
        masked = np.where(allowed, logits, -np.inf)
        p = np.exp(masked - masked.max())
        return p / p.sum()

    def act(self, arrays: Any, mask: np.ndarray | None = None, greedy: bool = True, *,
            ir_text: str | None = None, rng: np.random.Generator | None = None) -> int:
        """An action index: argmax (or a sample) over the card's allowed actions, narrowed by ``mask``."""
        import numpy as np

        p = self.probabilities(arrays, mask, ir_text=ir_text)
        return int(np.argmax(p)) if greedy else int((rng or np.random.default_rng()).choice(len(p), p=p))


    def allowed(self, mask: np.ndarray | None = None) -> np.ndarray:
        """The card's mask narrowed by ``mask`` (True = may be chosen)."""
        import numpy as np

        return self._allowed if mask is None else self._allowed & np.asarray(mask, dtype=bool)


def graph_feeds(arrays: Any, autophase: Any = None) -> dict[str, np.ndarray]:
    """The ONNX inputs of a step-by-step policy for one graph (the export contract): the :data:`GRAPH_INPUTS`
    of ``arrays`` (a dict or an object with those attributes) as int64, and ``autophase`` as float32 for a
    model with the Autophase branch."""
    import numpy as np

    feeds = {name: np.ascontiguousarray(_field(arrays, name), dtype=np.int64) for name in GRAPH_INPUTS}
    if autophase is not None:
        feeds["autophase"] = np.asarray(autophase, dtype=np.float32)
    return feeds


def _field(arrays: Any, name: str) -> Any:
    return arrays[name] if isinstance(arrays, dict) else getattr(arrays, name)


def _log() -> Any:
    """This module's logger; logging is imported when a step-by-step policy has something to say (importing it
    costs ``-O-rl`` ~8 ms)."""
    import logging

    return logging.getLogger(__name__)


def _threads() -> int:
    """ONNX Runtime threads: 2 at most (the policy shares the machine with the compiler)."""
    return min(2, os.cpu_count() or 1)


def _session(path: Path) -> Any:
    """An onnxruntime (Python) session for a step-by-step policy. Graph sizes change every step, so neither a
    growing arena nor shape-keyed memory patterns pay off: with both off the peak RSS of a 10-step run on a
    10.6k-instruction module fell from ~308 to ~235 MB."""
    session = ort.session(path, _threads(), python=True)
    assert isinstance(session, ort.PythonSession)
    return session.inner


#: Applies one pipeline to IR text and returns the new IR text (verified); raises ToolError on failure.
Apply = Callable[[bytes, str], bytes]


def optimize_module(data: bytes, policy: Policy, *, apply: Apply, max_steps: int | None = None,
                    patience: int = DEFAULT_PATIENCE, observe: Callable[[str], Any] | None = None,
                    explain: Callable[[str], None] | None = None) -> RolloutResult:
    """Let the policy optimize a module: graph of the current IR -> action -> apply -> repeat.

    ``apply`` is usually a backend's ``optimize`` (:class:`rlopt.engine.Backend`). Stops after ``max_steps``
    actions (the card's episode length by default) or after ``patience`` actions in a row that leave the IR
    unchanged. An action that does not change the IR (or crashes the pass) is masked
    until the IR changes again, so a greedy policy moves on to its next choice instead of repeating itself.
    The returned pipeline holds only the actions that changed the IR; the returned IR is that pipeline
    re-run on ``data`` in one go and verified, so ``opt -passes=PIPELINE`` reproduces it. If that final run
    fails, the result falls back to no passes: never worse than useless. ``explain`` receives a line per step:
    the policy's three likeliest actions, and what the chosen one did.
    """
    from rlopt import graph

    observe = observe or (lambda text: graph.build(text).arrays(policy.vocab))
    start = apply(data, "verify")  # text IR from text or bitcode, and a clear error for broken input
    current, taken, steps, unchanged = start, [], 0, 0
    import numpy as np

    blocked = np.zeros(len(policy.space), dtype=bool)
    limit = policy.card.max_steps if max_steps is None else max_steps
    while steps < limit and unchanged < patience and policy.allowed(~blocked).any():
        text = current.decode(errors="replace")  # only observed; raw bytes (e.g. in attributes) stay as they are
        p = policy.probabilities(observe(text), mask=~blocked, ir_text=text)
        index = int(np.argmax(p))
        steps += 1
        action = policy.space[index]
        failure = None
        try:
            after = apply(current, action.pipeline)
        except ToolError as e:
            _log().info("action %s failed (%s); masking it", action.name, e)
            after, failure = current, e
        if explain:
            likeliest = ", ".join(f"{policy.space[i].name} {p[i]:.2f}" for i in np.argsort(-p)[:3] if p[i] > 0)
            outcome = f"failed ({failure}), masked" if failure else "changed the IR" if after != current \
                else "left the IR as it was, masked until it changes"
            explain(f"step {steps}: {likeliest} -> {action.name}: {outcome}")
        if after == current:
            blocked[index] = True
            unchanged += 1
            continue
        current, unchanged = after, 0
        blocked[:] = False
        taken.append(action)
    return _finish(data, start, taken, apply, steps)


def _finish(data: bytes, start: bytes, taken: Sequence[passes.Action], apply: Apply, steps: int) -> RolloutResult:
    """Re-run the effective actions as one pipeline (what the CLI replays); fall back to no passes on failure."""
    names = [a.name for a in taken]
    pipeline = passes.sequence(a.pipeline for a in taken)
    if not pipeline:
        return RolloutResult("", [], start, steps)
    try:
        return RolloutResult(pipeline, names, apply(data, pipeline), steps)
    except ToolError as e:
        _log().warning("the policy's pipeline failed as a whole (%s); falling back to no passes", e)
        return RolloutResult("", [], start, steps, fell_back=True)


@dataclass(frozen=True)
class Choice:
    """A selector's decision: every candidate with its predicted gain over the baseline, and the pick."""

    candidates: tuple[tuple[str, str, float], ...]  # (name, pipeline, predicted gain, as a ratio)
    chosen: str
    pipeline: str
    margin: float

    def explain(self) -> list[str]:
        """Human-readable lines for ``--explain``."""
        lines = [f"{name:>12s}  predicted {gain:.3f}x  {pipe}" for name, pipe, gain in self.candidates]
        lines.append(f"chose {self.chosen} (a candidate must beat the baseline by more than "
                     f"{math.exp(self.margin):.3f}x to be chosen)")
        return lines


class Selector:
    """A one-shot model: Autophase features -> predicted gain of each coreset pipeline over the baseline.

    It leaves the baseline (``-O3`` for speed, ``-Oz`` for size; always candidate 0) only when the best
    predicted log gain exceeds the margin calibrated on validation programs. One feature scan and one
    ONNX call per module.

    An ``exact`` selector (size) does not trust the prediction: :meth:`measure` builds every candidate and
    keeps the fewest IR instructions among those whose ``.text`` is no larger than the baseline's.
    """

    def __init__(self, path: Path, card: dict[str, Any]):
        self.path, self.card = path, card
        self.names = [c["name"] for c in card["candidates"]]
        self.pipelines = [c["pipeline"] for c in card["candidates"]]
        self.margin = float(card["margin"])
        self.exact = card.get("model") == "exact"

    @functools.cached_property
    def session(self) -> Any:
        """The ONNX session, made on first use: an exact selector with the engine never predicts (~35 ms of
        its start-up). One thread: a single row needs no pool, and pool threads spin after each run, taking
        the CPU that the engine worker needs next (measured: ~20 ms of a small module's -O-rl on one core)."""
        return ort.session(self.path, 1)

    @classmethod
    def load(cls, path: Path, card: dict[str, Any], toolchain: Toolchain | None = None) -> Selector:
        try:
            if card["features"] != "autophase-v1" or not card["candidates"]:
                raise ValueError(f"unsupported features '{card['features']}'")
            for c in card["candidates"]:
                str(c["name"]), str(c["pipeline"])
            float(card["margin"])
        except (KeyError, TypeError, ValueError) as e:
            raise RloptError(f"model card {path.with_suffix('.json')} is invalid: {type(e).__name__}: {e}") from None
        _check_llvm(path, str(card.get("llvm_version", "")), toolchain)
        selector = cls(path, card)
        if not selector.exact:  # it will predict: a broken model file fails here, not half-way
            selector.session  # noqa: B018
        return selector

    def choose(self, ir_text: str) -> Choice:
        from rlopt.features import autophase_values

        return self.decide(autophase_values(ir_text))

    def decide(self, features: Sequence[float] | np.ndarray) -> Choice:
        """The choice for a module's Autophase vector (evaluation judges the model on stored features)."""
        gains = self.session.run("gains", "autophase", [float(v) for v in features])
        if len(gains) != len(self.names):
            raise RloptError(f"{self.path.name}: {len(gains)} outputs for {len(self.names)} candidates")
        gains[0] = 0.0
        best = max(range(len(gains)), key=gains.__getitem__)
        pick = best if gains[best] > self.margin else 0
        ranked = sorted(range(len(gains)), key=lambda i: -gains[i])
        return Choice(tuple((self.names[i], self.pipelines[i], float(math.exp(gains[i]))) for i in ranked),
                      self.names[pick], self.pipelines[pick], self.margin)


    def measure(self, data: bytes, engine: Engine, name: str = "<stdin>") -> tuple[str, list[str]]:
        """The exact rule on ``data`` in ``engine``: the chosen pipeline and one explanation line per candidate.

        Counting IR instructions is cheap, code generation is not (about as long as ``-Oz`` itself on a large
        module): ``.text`` is measured only for the baseline and for candidates with no more instructions,
        fewest first, until some fit. The candidates are built, and their code generated, side by side where
        the engine has cores for it (:meth:`Engine.run_each`). The chosen module stays in the engine for the
        caller's run of its pipeline (:meth:`Engine.keep`; ``name`` as the caller will give it)."""
        from rlopt import knobs

        runs = [knobs.parse(pipe) for pipe in self.pipelines]  # (passes, knob options) per candidate
        built: list[int | None] = []
        texts: dict[int, int] = {}
        try:
            built = engine.run_each(data, runs, name=name)  # handle per candidate (None: its pipeline failed)
            counts = [engine.instruction_count(h) if h is not None else -1 for h in built]
            pick = 0
            contenders = sorted((i for i in range(1, len(counts)) if 0 <= counts[i] <= counts[0]),
                                key=counts.__getitem__)
            for count, group in itertools.groupby(contenders, key=counts.__getitem__):
                group = list(group)
                wanted = ([0] if 0 not in texts else []) + group
                sizes = engine.object_text_sizes([built[i] for i in wanted])
                texts.update((i, -1 if size is None else size) for i, size in zip(wanted, sizes, strict=True))
                if texts[0] < 0:  # no code generator for this module: nothing to compare with
                    break
                # as the table's rule (selector.exact_picks): fewest instructions, then smallest .text
                fits = [i for i in group if 0 <= texts[i] <= texts[0] and (count < counts[0] or texts[i] < texts[0])]
                if fits:
                    pick = min(fits, key=texts.__getitem__)
                    break
            if built[pick] is not None:
                passes_text, options = runs[pick]
                engine.keep(built[pick], data, passes_text, options=options, name=name)
                built[pick] = None
        except (ToolCrash, ToolTimeout) as e:  # a candidate or its code took the worker down, every module with it
            return self.pipelines[0], [f"measuring the candidates failed ({e}): {self.names[0]}, unmeasured"]
        finally:
            for h in built:
                if h is not None:
                    engine.free(h)
        lines = []
        for i, (n, ir) in enumerate(zip(self.names, counts, strict=True)):
            text = "" if i not in texts else f", .text {texts[i]} bytes" if texts[i] >= 0 else ", no code generated"
            why = ""
            if ir < 0:
                why = " (failed)"
            elif i and i != pick and texts.get(i, -1) >= 0:  # measured and not chosen
                why = (" (.text larger than the baseline's)" if texts[i] > texts[0]
                       else " (as small as the baseline)" if ir == counts[0] and texts[i] == texts[0] else "")
            lines.append(f"{n:>12s}  {ir} IR instructions{text}{why}")
        lines.append(f"chose {self.names[pick]} (measured: fewest IR instructions with .text no larger than "
                     f"{self.names[0]}'s; .text generated only where the count was no larger)")
        return self.pipelines[pick], lines


def _check_llvm(path: Path, version: str, toolchain: Toolchain | None) -> None:
    if toolchain is not None and version.split(".")[0] != str(toolchain.version[0]):
        raise RloptError(f"{path.name} was trained with LLVM {version}, but the toolchain is "
                         f"LLVM {toolchain.version_string}")


def load_model(model: str | os.PathLike | None = None, *, toolchain: Toolchain | None = None) -> Policy | Selector:
    """A shipped or user model: a step-by-step :class:`Policy` or a one-shot :class:`Selector` (by its card)."""
    path = resolve_model(model)
    card_path = path.with_suffix(".json")
    try:
        raw = json.loads(card_path.read_text())
    except FileNotFoundError:
        raise RloptError(f"model card {card_path} not found (a model needs NAME.onnx and NAME.json)") from None
    except (OSError, ValueError) as e:
        raise RloptError(f"model card {card_path} is invalid: {type(e).__name__}: {e}") from None
    if isinstance(raw, dict) and raw.get("kind") == "selector":
        return Selector.load(path, raw, toolchain)
    return Policy.load(path, toolchain=toolchain)


def choose_pipeline(data: bytes, *, model: str | Policy | Selector | None, backend: Backend,
                    explain: Callable[[str], None] | None = None, name: str = "<stdin>") -> str:
    """Run the model on the module and return the pipeline it chose (``rlopt -O-rl``, ``rlopt-cc``).

    Every LLVM step runs in ``backend`` (the caller's, left open; its toolchain checks the model's LLVM).
    ``explain`` receives lines that say what was considered and why. ``model`` may be one already loaded
    (``rlopt-cc``'s server keeps them). ``name``: the module's name in the caller's final ``optimize``.
    """
    chooser = model if isinstance(model, Policy | Selector) else load_model(model, toolchain=backend.toolchain)
    if isinstance(chooser, Selector):
        from rlopt.engine import Engine
        from rlopt.ir import is_bitcode

        if chooser.exact and isinstance(backend, Engine):
            pipeline, lines = chooser.measure(data, backend, name)
        else:  # without the engine, an exact selector falls back on its prediction (and says so)
            text = backend.optimize(data, "verify", name=name) if is_bitcode(data) else data
            choice = chooser.choose(text.decode(errors="replace"))
            pipeline, lines = choice.pipeline, choice.explain()
            if chooser.exact:
                lines.append("(no in-process engine: the prediction decided, not a measurement)")
        for line in lines if explain else ():
            explain(line)
        return pipeline
    result = optimize_module(data, chooser, apply=backend.optimize, explain=explain)
    if explain:
        explain(f"policy steps: {' '.join(result.actions) or '(none changed the IR)'}")
    return result.pipeline
