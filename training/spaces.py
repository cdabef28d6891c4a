"""The spaces of the LLVM environment: variable-size observations that Gymnasium's vector environments can
carry, and CompilerGym's ``Commandline`` action space.

Graphs and IR text have no fixed shape, so Gymnasium's ``AsyncVectorEnv`` cannot give them its usual
shared-memory arrays (it refuses ``Graph`` and ``Text`` of unbounded size, and custom spaces). Every
observation space here is a :class:`SharedMemoryBlob`: one fixed-size slot per environment holds the
pickled value, so ``AsyncVectorEnv`` works with its default ``shared_memory=True`` and returns a tuple of
observations, as it does without shared memory.
"""

from __future__ import annotations

import functools
import multiprocessing
import pickle
import string
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any

import networkx as nx
import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import create_shared_memory, read_from_shared_memory, write_to_shared_memory

_HEADER = 8  # bytes of the length prefix in a shared-memory slot
_INT_MAX = np.iinfo(np.int64).max
#: The upper bound of int64 ``Box`` spaces (counts): ``Box.sample`` draws below ``high + 1``, which overflows at
#: int64 max, also in the batched spaces of vector environments (an unbounded ``np.inf`` high does not survive
#: batching).
INT_HIGH = _INT_MAX - 1


class SharedMemoryBlob:
    """A space whose values go through ``AsyncVectorEnv``'s shared memory pickled, one slot per environment.

    ``shared_memory_bytes`` is the slot size (16 MiB: a ProGraML graph of ~40k IR instructions); a bigger
    value raises a ``ValueError`` that says so. Set it on the space before making the vector environment,
    or use ``shared_memory=False``.
    """

    shared_memory_bytes: int = 1 << 24

    def to_bytes(self, value: Any) -> bytes:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def from_bytes(self, data: bytes) -> Any:
        return pickle.loads(data)


class SharedBatch(Sequence):
    """The observations of all environments, decoded from shared memory on access (a copy is a tuple)."""

    def __init__(self, space: SharedMemoryBlob, memory: Any, n: int):
        self._space, self._memory, self._n = space, memory, n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._n)))
        if not -self._n <= index < self._n:
            raise IndexError(index)
        slot = _slot(self._space, self._memory, index % self._n)
        size = int(slot[:_HEADER].view(np.uint64)[0])
        return self._space.from_bytes(slot[_HEADER:_HEADER + size].tobytes())

    def __deepcopy__(self, memo: dict) -> tuple:
        return tuple(self)

    def __repr__(self) -> str:
        return f"SharedBatch({list(self)!r})"


def _slot(space: SharedMemoryBlob, memory: Any, index: int) -> np.ndarray:
    size = space.shared_memory_bytes
    return np.frombuffer(memory, dtype=np.uint8, count=size, offset=index * size)


@create_shared_memory.register(SharedMemoryBlob)
def _create_blob_memory(space: SharedMemoryBlob, n: int = 1, ctx: ModuleType = multiprocessing) -> Any:
    return ctx.RawArray("B", n * space.shared_memory_bytes)


@read_from_shared_memory.register(SharedMemoryBlob)
def _read_blob_memory(space: SharedMemoryBlob, shared_memory: Any, n: int = 1) -> SharedBatch:
    return SharedBatch(space, shared_memory, n)


@write_to_shared_memory.register(SharedMemoryBlob)
def _write_blob_memory(space: SharedMemoryBlob, index: int, value: Any, shared_memory: Any) -> None:
    data = space.to_bytes(value)
    if len(data) + _HEADER > space.shared_memory_bytes:
        raise ValueError(f"an observation of {len(data):,} bytes does not fit the {space.shared_memory_bytes:,}-byte "
                         f"shared-memory slot of {type(space).__name__}: raise its shared_memory_bytes or use "
                         "AsyncVectorEnv(..., shared_memory=False)")
    slot = _slot(space, shared_memory, index)
    slot[:_HEADER] = np.frombuffer(np.uint64(len(data)).tobytes(), dtype=np.uint8)
    slot[_HEADER:_HEADER + len(data)] = np.frombuffer(data, dtype=np.uint8)


def _within(a: np.ndarray, upper: int, lower: int = 0) -> bool:
    return a.size == 0 or (int(a.min()) >= lower and int(a.max()) < upper)


class ProgramlArraysSpace(SharedMemoryBlob, spaces.Space[dict]):
    """The ``ProgramlArrays`` observation: a ProGraML graph as named int64 arrays (what the GNN consumes).

    A custom space because a graph of variable size with several named integer attributes per node and edge
    fits neither ``Box``/``Dict`` (fixed shapes) nor ``spaces.Graph`` (unnamed feature rows; the same data in
    that form is the ``ProgramlGraph`` observation). ``contains`` checks every invariant the model relies on.
    """

    NODE_KEYS = ("node_tokens", "node_types", "node_function")
    EDGE_KEYS = ("edge_flow", "edge_position")
    NODE_TYPES = 4  # instruction, variable, constant, type
    EDGE_FLOWS = 4  # control, data, call, type

    def __init__(self, vocab_size: int, seed: int | np.random.Generator | None = None):
        super().__init__(None, None, seed)
        self.vocab_size = vocab_size

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        keys = {*self.NODE_KEYS, *self.EDGE_KEYS, "edge_index"}
        if not isinstance(x, Mapping) or set(x) != keys:
            return False
        if not all(isinstance(v, np.ndarray) and v.dtype == np.int64 for v in x.values()):
            return False
        n, e = len(x["node_types"]), len(x["edge_flow"])
        return (all(x[k].shape == (n,) for k in self.NODE_KEYS) and all(x[k].shape == (e,) for k in self.EDGE_KEYS)
                and x["edge_index"].shape == (2, e)
                and _within(x["edge_index"], n) and _within(x["node_tokens"], self.vocab_size)
                and _within(x["node_types"], self.NODE_TYPES) and _within(x["edge_flow"], self.EDGE_FLOWS)
                and _within(x["edge_position"], _INT_MAX) and _within(x["node_function"], _INT_MAX, -1))

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, np.ndarray]:
        """A random graph of 1-32 nodes and 0-64 edges (for tests of code that consumes the space)."""
        return _random_arrays(self.np_random, self.vocab_size)

    def __repr__(self) -> str:
        return f"ProgramlArraysSpace(vocab_size={self.vocab_size})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProgramlArraysSpace) and other.vocab_size == self.vocab_size


class ProgramlGraphSpace(SharedMemoryBlob, spaces.Graph):
    """The ``ProgramlGraph`` observation: the graph as Gymnasium's ``GraphInstance``, for libraries that read
    ``spaces.Graph``. Node rows are (token id, node type, function index or -1), edge rows (flow, position);
    ``edge_links`` are (source, target) pairs. ``contains`` checks all rows at once (Graph's checks each row)."""

    def __init__(self, vocab_size: int, seed: int | np.random.Generator | None = None):
        self.vocab_size = vocab_size
        nodes = spaces.Box(np.array([0, 0, -1]), np.array([vocab_size - 1, ProgramlArraysSpace.NODE_TYPES - 1,
                                                           INT_HIGH]), dtype=np.int64)
        edges = spaces.Box(np.array([0, 0]), np.array([ProgramlArraysSpace.EDGE_FLOWS - 1, INT_HIGH]), dtype=np.int64)
        super().__init__(nodes, edges, seed)

    def contains(self, x: Any) -> bool:
        if not isinstance(x, spaces.GraphInstance) or not all(isinstance(a, np.ndarray) for a in x):
            return False
        n, e = len(x.nodes), len(x.edges)
        box_n, box_e = self.node_space, self.edge_space
        return (x.nodes.shape == (n, 3) and x.edges.shape == (e, 2) and x.edge_links.shape == (e, 2)
                and all(a.dtype == np.int64 for a in x) and _within(x.edge_links, n)
                and bool(np.all((x.nodes >= box_n.low) & (x.nodes <= box_n.high)))
                and bool(np.all((x.edges >= box_e.low) & (x.edges <= box_e.high))))

    def sample(self, mask: Any = None, probability: Any = None, num_nodes: int = 10,
               num_edges: int | None = None) -> spaces.GraphInstance:
        """A random graph as :meth:`ProgramlArraysSpace.sample` draws it (``Graph.sample`` makes int32
        ``edge_links`` and huge function indices, which no observation has); the sizes are its own."""
        return graph_instance(_random_arrays(self.np_random, self.vocab_size))

    def __repr__(self) -> str:
        return f"ProgramlGraphSpace(vocab_size={self.vocab_size})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProgramlGraphSpace) and other.vocab_size == self.vocab_size


def _random_arrays(rng: np.random.Generator, vocab_size: int) -> dict[str, np.ndarray]:
    """A random ``ProgramlArrays`` value of 1-32 nodes and 0-64 edges that keeps the space's invariants."""
    n, e = int(rng.integers(1, 33)), int(rng.integers(0, 65))
    ints = functools.partial(rng.integers, dtype=np.int64)
    return {"node_tokens": ints(0, vocab_size, n), "node_types": ints(0, ProgramlArraysSpace.NODE_TYPES, n),
            "node_function": ints(0, 4, n), "edge_index": ints(0, n, (2, e)),
            "edge_flow": ints(0, ProgramlArraysSpace.EDGE_FLOWS, e), "edge_position": ints(0, 8, e)}


def graph_instance(arrays: Mapping[str, np.ndarray]) -> spaces.GraphInstance:
    """``ProgramlArrays`` as a ``GraphInstance`` of :class:`ProgramlGraphSpace`."""
    nodes = np.stack([arrays["node_tokens"], arrays["node_types"], arrays["node_function"]], axis=1)
    edges = np.stack([arrays["edge_flow"], arrays["edge_position"]], axis=1)
    return spaces.GraphInstance(nodes, edges, np.ascontiguousarray(arrays["edge_index"].T))


class ProgramlNetworkx(nx.MultiDiGraph):
    """The ``Programl`` observation: a ``networkx.MultiDiGraph`` that compares equal to another with the same
    nodes, edges and attributes (``networkx.utils.graphs_equal``), so that two observations of one state are
    equal, as Gymnasium's checker and users expect. Hashing stays by identity, as for any graph."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, nx.Graph) and nx.utils.graphs_equal(self, other)

    __hash__ = nx.MultiDiGraph.__hash__


class _ValueSpace(SharedMemoryBlob, spaces.Space[Any]):
    """A space of Python values that are not arrays (no dtype, no shape): equal to any space of its own class."""

    def __init__(self, seed: int | np.random.Generator | None = None):
        super().__init__(None, None, seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)


class NetworkxSpace(_ValueSpace):
    """The space of ``Programl`` graphs (not sampleable: use ``ProgramlArraysSpace.sample``)."""

    def contains(self, x: Any) -> bool:
        return isinstance(x, nx.MultiDiGraph)

    def sample(self, mask: Any = None, probability: Any = None) -> nx.MultiDiGraph:
        raise NotImplementedError("Programl graphs cannot be sampled; use ProgramlArraysSpace.sample")


class NoObservation(_ValueSpace):
    """The space of ``observation_space=None``, whose only value is the ``None`` that ``reset``/``step`` return:
    Gymnasium's checker (in ``gymnasium.make``) and vector environments need a space even then."""

    def contains(self, x: Any) -> bool:
        return x is None

    def sample(self, mask: Any = None, probability: Any = None) -> None:
        return None


class BytesSpace(_ValueSpace):
    """The space of ``bytes`` values of any length (the ``Bitcode`` observation)."""

    def contains(self, x: Any) -> bool:
        return isinstance(x, bytes)

    def sample(self, mask: Any = None, probability: Any = None) -> bytes:
        return self.np_random.bytes(int(self.np_random.integers(0, 65)))


class JsonSpace(_ValueSpace):
    """The space of ``ProgramlJson``: a graph in networkx's node-link form (``nodes``, ``links``), as JSON
    would hold it."""

    def contains(self, x: Any) -> bool:
        return isinstance(x, dict) and isinstance(x.get("nodes"), list) and isinstance(x.get("links"), list)

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, Any]:
        return {"directed": True, "multigraph": True, "graph": {}, "nodes": [], "links": []}


class LongText(SharedMemoryBlob, spaces.Text):
    """Text of any length: the ``Ir`` observation, ``BitcodeFile``'s path (``sample`` draws short strings, not
    gigabytes)."""

    def __init__(self, seed: int | np.random.Generator | None = None):
        super().__init__(1 << 31, min_length=0, charset=string.printable, seed=seed)

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        chars = self.character_list
        return "".join(chars[i] for i in self.np_random.integers(0, len(chars), int(self.np_random.integers(0, 65))))


class Commandline(spaces.Discrete):
    """CompilerGym's ``Commandline`` action space: a ``Discrete`` whose actions are ``opt`` flags.

    ``flags`` are the ``opt`` flags (``-mem2reg``); ``names`` default to them, as in CompilerGym's LLVM
    environment; ``descriptions`` say what each runs. ``to_string``/``from_string`` convert action lists to and
    from CompilerGym's command line, ``opt -sroa -gvn input.bc -o output.bc``.
    """

    PREFIX, SUFFIX = "opt", "input.bc -o output.bc"

    def __init__(self, flags: Sequence[str], name: str, *, descriptions: Sequence[str] | None = None,
                 names: Sequence[str] | None = None, seed: int | np.random.Generator | None = None):
        super().__init__(len(flags), seed=seed)
        self.name = name
        self.flags = list(flags)
        self.names = list(names if names is not None else flags)
        self.descriptions = list(descriptions if descriptions is not None else flags)
        self._index = {f: i for i, f in enumerate(self.flags)}

    @classmethod
    def of_actions(cls, actions: Sequence[Any], name: str) -> Commandline:
        """The space of rlopt's :class:`~rlopt.passes.Action` list: each description is the LLVM 19 pipeline
        the action runs."""
        return cls([a.name for a in actions], name,
                   descriptions=[a.pipeline + (f" ({a.note})" if a.note else "") for a in actions])

    def __getitem__(self, flag: str) -> int:
        return self._index[flag]

    def commandline(self, actions: Iterable[int]) -> str:
        """The flags of ``actions``, e.g. ``-sroa -gvn``."""
        return " ".join(self.flags[int(a)] for a in actions)

    def to_string(self, actions: Iterable[int]) -> str:
        """CompilerGym's command line for ``actions``: ``opt -sroa -gvn input.bc -o output.bc``."""
        return f"{self.PREFIX} {self.commandline(actions)} {self.SUFFIX}"

    def from_string(self, commandline: str) -> list[int]:
        """The actions of a command line from :meth:`to_string` (or just its flags); unknown flags raise
        ``LookupError``."""
        words = commandline.split()
        words = words[1:] if words[:1] == [self.PREFIX] else words
        suffix = self.SUFFIX.split()
        words = words[:-len(suffix)] if words[-len(suffix):] == suffix else words
        try:
            return [self._index[f] for f in words]
        except KeyError as e:
            raise LookupError(f"unknown flag '{e.args[0]}' in action space '{self.name}'") from None

    def __repr__(self) -> str:
        return f"Commandline({self.name}, {self.n} flags)"
