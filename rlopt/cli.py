"""``rlopt``: an ``opt``-compatible command whose ``-O-rl`` pipeline is chosen by a learned policy.

Conventions follow ``opt``: positional input (``-`` is stdin, text or bitcode detected by content), ``-o``
(``-`` is stdout), ``-S`` for text, ``--passes=`` in LLVM's syntax, ``-O<n>``. Single-dash spellings of long
options (``-passes=``, ``-print-passes``) are accepted too, so ``opt`` command lines can be replayed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import sys
import threading
from typing import TYPE_CHECKING

import click

from rlopt import __version__, ir, knobs, passes, toolchain
from rlopt.errors import InputError, RloptError, Terminated

if TYPE_CHECKING:
    from rlopt.engine import Backend

_LONG_SINGLE_DASH = ("passes", "actions", "print-passes", "explain", "llvm-bin", "timeout", "list-actions",
                     "strip-optnone", "model", "engine", "no-engine", "version", "help", "disable-output",
                     "print-pipeline-passes", "time-passes", "stats", "debug-pass-manager", "mtriple", "llvm-option")
#: Options whose value may come as the next argument (which may itself start with '-', e.g. --actions -gvn).
_TAKES_VALUE = ("-o", "-O", "-p", "--passes", "--actions", "--model", "--llvm-bin", "--timeout", "--mtriple",
                "--llvm-option")
_SHORT_FLAGS = frozenset("Sfh")
#: opt's diagnostic flags: rlopt passes them to an ``opt`` process for the final pipeline (the engine has none).
_OPT_DIAGNOSTICS = {"time_passes": "-time-passes", "stats": "-stats", "debug_pass_manager": "-debug-pass-manager"}


def _normalize_argv(argv: list[str]) -> list[str]:
    """Accept ``opt``'s spellings: ``-passes=x`` becomes ``--passes=x`` (opt spells long options with one dash),
    ``-p=x`` becomes ``--passes=x``, a knob in opt's spelling (``-inline-threshold=500``) becomes
    ``--llvm-option=-inline-threshold=500``. Any other single-dash word is refused by its whole name here, before
    click would read ``-disable-outptu`` as the short options ``-d -i ...``."""
    out: list[str] = []
    value_next = False
    for i, arg in enumerate(argv):
        if value_next or arg == "-" or not arg.startswith("-"):
            out.append(arg)
            value_next = False
            continue
        if arg == "--":
            return out + argv[i:]
        name = arg.lstrip("-").split("=", 1)[0]
        if name == "o" and "=" in arg:  # cl::opt's -o=FILE, --o=FILE
            out += ["-o", arg.split("=", 1)[1]]
            continue
        if arg.startswith("--") and (name in ("S", "f") or (name[:1] == "O" and "=" not in arg)):
            arg = arg[1:]  # cl::opt takes any option with one dash or two: --O3, --S
        if name in knobs.KNOBS or name in knobs.SWITCHES:
            arg = f"--llvm-option=-{arg.lstrip('-')}"
        elif not arg.startswith("--") and name in _LONG_SINGLE_DASH:
            arg = "-" + arg
        elif arg.startswith("-p="):
            arg = "--passes=" + arg[3:]
        elif not arg.startswith("--") and not (arg[:2] == "-O" or arg in ("-o", "-p") or set(arg[1:]) <= _SHORT_FLAGS):
            raise click.UsageError(f"unknown option '{arg}'{_suggestion(name)} (see 'rlopt --help')")
        value_next = "=" not in arg and arg in _TAKES_VALUE
        out.append(arg)
    return out


def _suggestion(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, _LONG_SINGLE_DASH, n=1)
    return f"; did you mean '-{close[0]}'?" if close else ""


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: rlopt's version and the LLVM it runs (or why none was found)."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"rlopt {__version__}")
    try:
        tc = toolchain.find()
        click.echo(f"LLVM version {tc.version_string} ({tc.bin_dir})")
    except RloptError as e:
        click.echo(f"LLVM: {e}")
    ctx.exit()


def replay_command(tc: toolchain.Toolchain, pipeline: str, input_path: str, output: str | None, text: bool,
                   options: tuple[str, ...] = ()) -> str:
    """The plain ``opt`` command line that reproduces what rlopt did (with its LLVM options); ``output`` None:
    ``-disable-output``."""
    argv = [str(tc.path("opt")), f"-passes={pipeline}", *options, input_path,
            *(["-o", output] if output is not None else ["-disable-output"])]
    if text:
        argv.insert(1, "-S")
    return shlex.join(argv)


def resolve_pipeline(data: bytes, *, passes_opt: str | None, actions_opt: str | None, level: str | None,
                    model: str | None, backend: Backend, explain: bool = False, name: str = "<stdin>",
                    final_bitcode: bool | None = None) -> str:
    """Turn the mutually exclusive pipeline options into one ``-passes=`` string ('' means no passes), with
    knobs as ``PIPELINE@NAME=VALUE`` (:mod:`rlopt.knobs`); ``-O-rl`` runs the model's steps in ``backend``
    (``name``: the module's name in its final run there; ``final_bitcode``: that run's output format, None if the
    pipeline will not run there)."""
    given = [n for n, v in (("--passes", passes_opt), ("--actions", actions_opt), ("-O", level)) if v]
    if len(given) > 1:
        raise click.UsageError(f"cannot combine {' and '.join(given)}: pick one way to give the pipeline")
    if passes_opt:
        if passes_opt.lstrip().startswith("-"):  # as opt refuses it; action names are --actions' syntax
            raise click.UsageError(f"invalid pipeline '{passes_opt}': unknown pass name "
                                   f"'{passes_opt.split(',')[0].split('@')[0]}' (action names go to --actions)")
        return passes_opt
    if actions_opt:
        try:
            runs = passes.stages(passes.parse_action_list(actions_opt))
        except (KeyError, ValueError) as e:
            raise click.UsageError(str(e).strip("'\"")) from None
        if len(runs) > 1:
            raise click.UsageError("these actions use different knobs, and one run has one set of LLVM options: "
                                   "run them in several rlopt calls")
        return knobs.to_text(*runs[0])
    if level == "rl":
        from rlopt import policy, tuning  # imported lazily: loading onnxruntime costs ~100 ms
        from rlopt.engine import Engine

        say = (lambda line: click.echo(f"rlopt: -O-rl: {line}", err=True)) if explain else None
        objective = policy.model_objective(model)
        # the tuning key needs the module's text as LLVM prints it (a parse: only when there is a database)
        printed = backend.optimize(data, "verify", name=name) if tuning.exists() else None
        module = tuning.module_key(printed) if printed is not None else None

        def choose() -> str:
            chooser = policy.load_model(model, toolchain=backend.toolchain)
            seen = data
            if isinstance(chooser, policy.Selector) and not chooser.exact:
                if ir.is_bitcode(data):  # it reads text: bitcode is printed once, above or here
                    seen = printed if printed is not None else backend.optimize(data, "verify", name=name)
                    _warn_optnone(name, seen.decode(errors="replace"))  # (text input was checked before)
                if final_bitcode is not None and isinstance(backend, Engine):
                    # the selector reads the text's features without the engine: meanwhile its baseline, the
                    # usual answer, runs there on another core (stopped if the choice is another pipeline)
                    backend.head_start(data, tuning.BASELINE[objective], bitcode=final_bitcode, name=name)
            try:
                return policy.choose_pipeline(seen, model=chooser, backend=backend, explain=say, name=name)
            except InputError as e:  # rlopt's IR reader failed: LLVM's verdict decides whose fault it is
                # not valid IR: LLVM's own error (printed above already where there is a tuning database)
                as_printed = printed if printed is not None else backend.optimize(data, "verify", name=name)
                if as_printed != seen:  # valid, but laid out otherwise (CRLF, tabs...): read LLVM's printing of it
                    with contextlib.suppress(InputError):
                        return policy.choose_pipeline(as_printed, model=chooser, backend=backend, explain=say,
                                                      name=name)
                _warn(f"{name}: the model cannot read this module ({e}); it gets {tuning.BASELINE[objective]}")
                return tuning.BASELINE[objective]

        pipeline, entry = tuning.resolve(module, objective, choose)
        if entry is not None and say:
            say(f"tuned pipeline for this module ({objective}, {tuning.default_path()}): {pipeline}")
        return pipeline
    if level:
        return passes.OPT_LEVELS[level]
    return ""


def _warn(msg: str) -> None:
    click.echo(f"rlopt: warning: {msg}", err=True)


def _warn_optnone(name: str, text: str) -> None:
    """Say so when the module's functions are ``optnone`` (clang -O0's IR): every pass skips them."""
    optnone = ir.optnone_functions(text)
    if optnone:
        shown = ", ".join(optnone[:5]) + (", ..." if len(optnone) > 5 else "")
        _warn(f"{name}: {len(optnone)} function(s) are optnone ({shown}); passes skip them. Emit IR with "
              "'clang -O3 -Xclang -disable-llvm-passes -emit-llvm' or pass --strip-optnone")


class _OptStyleCommand(click.Command):
    """A click command that first turns opt's spellings into click's (see :func:`_normalize_argv`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _normalize_argv(args))


@click.command(cls=_OptStyleCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_path", metavar="INPUT", default="-")
@click.option("-o", "output", default="-", metavar="FILE", help="Output file ('-' for stdout, the default).")
@click.option("-S", "text", is_flag=True, help="Write IR text instead of bitcode.")
@click.option("-O", "levels", metavar="LEVEL", multiple=True,
              help="Optimization level: 0, 1, 2, 3, s, z, or -rl (the learned policy: -O-rl).")
@click.option("--passes", "-p", "passes_opt", metavar="PIPELINE", help="An explicit pipeline in opt's syntax.")
@click.option("--actions", "actions_opt", metavar="LIST",
              help="A pipeline as action names, e.g. -sroa,-gvn,-instcombine (see --list-actions).")
@click.option("--model", metavar="NAME|PATH", envvar="RLOPT_MODEL", help="The policy for -O-rl [$RLOPT_MODEL].")
@click.option("--print-passes", is_flag=True,
              help="Print (on stderr) the opt command line that reproduces this result.")
@click.option("--explain", is_flag=True,
              help="With -O-rl: print (on stderr) the candidates the model considered, their predicted gain and "
                   "its choice.")
@click.option("--strip-optnone", is_flag=True,
              help="Remove optnone/noinline from clang -O0 IR so that the passes can act on it.")
@click.option("--llvm-bin", metavar="DIR", help="LLVM 19 bin directory [$RLOPT_LLVM_BIN].")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=toolchain.COMMAND_TIMEOUT, show_default=True,
              help="Seconds allowed for each LLVM step.")
@click.option("--engine/--no-engine", default=True, show_default=True,
              help="Run passes in rlopt's in-process LLVM worker, or in an opt subprocess (the reference).")
@click.option("-f", "force", is_flag=True, help="Write bitcode to a terminal anyway.")
@click.option("--disable-output", is_flag=True, help="Run the pipeline (and verify) but write nothing.")
@click.option("--print-pipeline-passes", is_flag=True,
              help="Print the full pipeline as opt expands it (e.g. for -O2 or -O-rl) and exit; runs opt.")
@click.option("--time-passes", is_flag=True, help="opt's pass timing report on stderr (runs the pipeline in opt).")
@click.option("--stats", is_flag=True, help="opt's statistics on stderr (runs the pipeline in opt; needs an "
              "LLVM built with statistics).")
@click.option("--debug-pass-manager", is_flag=True, help="opt's pass manager trace on stderr (runs the pipeline "
              "in opt).")
@click.option("--mtriple", metavar="TRIPLE", help="Override the module's target triple (runs the pipeline in opt).")
@click.option("--llvm-option", "llvm_options", metavar="-NAME[=VALUE]", multiple=True,
              help="An LLVM option, as opt takes it (repeatable), e.g. --llvm-option=-inline-threshold=500; knobs "
                   "may be written directly, -inline-threshold=500 (see docs/knobs.md).")
@click.option("--list-actions", is_flag=True, help="List the action space and exit.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show rlopt's and LLVM's versions and exit.")
def _command(input_path: str, output: str, text: bool, levels: tuple[str, ...], passes_opt: str | None,
             actions_opt: str | None, model: str | None, print_passes: bool, explain: bool, strip_optnone: bool,
             llvm_bin: str | None, timeout: float, engine: bool, force: bool, disable_output: bool,
             print_pipeline_passes: bool, mtriple: str | None, llvm_options: tuple[str, ...], list_actions: bool,
             **diagnostics: bool) -> None:
    """Optimize LLVM IR like opt; with -O-rl the pass pipeline comes from a learned policy.

    'rlopt tune INPUT ...' tunes one module's pipeline with your own runs (rlopt tune --help).
    """
    if list_actions:
        for i, a in enumerate(passes.EXTENDED_ACTIONS_V2):
            click.echo(f"{i:3d}  {a.name:30s} {a.pipeline} {' '.join(a.options)}".rstrip())
        return
    try:
        user_options = tuple(knobs.check_user_option(o) for o in llvm_options)
    except knobs.KnobError as e:
        raise click.BadParameter(str(e), param_hint="--llvm-option") from None
    level = _level(levels)
    writes = not (disable_output or print_pipeline_passes)
    if writes and output == "-" and not text and not force and sys.stdout.isatty():
        raise click.UsageError("refusing to write bitcode to a terminal: use -S, -o FILE, or -f")
    opt_flags = [flag for key, flag in _OPT_DIAGNOSTICS.items() if diagnostics[key]]
    opt_flags += [f"-mtriple={mtriple}"] if mtriple else []

    tc = toolchain.find(llvm_bin)
    data = ir.read_input(input_path)
    name = "<stdin>" if input_path == "-" else input_path
    stripped = False
    if strip_optnone and ir.is_bitcode(data):  # optnone is found and removed in the text
        from rlopt.engine import OptBackend

        data = OptBackend(tc, timeout).optimize(data, "verify", name=name)
    if not ir.is_bitcode(data):
        source = data.decode(errors="replace")
        if strip_optnone and ir.optnone_functions(source):
            data, stripped = ir.strip_optnone(source).encode(), True
        elif level or passes_opt or actions_opt:
            _warn_optnone(name, source)

    from rlopt.engine import OptBackend, backend_for

    # one backend for the policy's steps and the result: the engine's worker (a fork of this process, which
    # has one thread here), or opt processes
    backend = backend_for(tc, timeout, user_options, engine=engine, fork=True)
    if not (opt_flags or print_pipeline_passes):
        backend.start()  # the worker's start-up overlaps choosing the pipeline (imports, features, inference)
    try:
        chosen = resolve_pipeline(data, passes_opt=passes_opt, actions_opt=actions_opt, level=level,
                                 model=model, backend=backend, explain=explain, name=name,
                                 final_bitcode=None if opt_flags or print_pipeline_passes else not text)
        try:
            pipeline, knob_options = knobs.parse(chosen)
        except knobs.KnobError as e:
            raise click.UsageError(str(e)) from None
        options = knobs.merge(user_options, knob_options)
        if print_pipeline_passes:  # opt parses the pipeline and prints it expanded, running nothing
            printer = OptBackend(tc, timeout, user_options, (*opt_flags, "-disable-output", "-print-pipeline-passes"))
            expanded = printer.optimize(data, pipeline or "verify", name=name, options=knob_options)
            click.echo(expanded.decode(errors="replace"), nl=False)
            return
        final = backend
        if opt_flags or _reports(pipeline, options):  # what opt prints on stderr needs the pipeline to run in opt
            final = OptBackend(tc, timeout, user_options, (*opt_flags, *(["-disable-output"] * disable_output)),
                               show_stderr=True)
        result = final.optimize(data, pipeline or "verify", bitcode=not text, name=name, options=knob_options)
    except RloptError as e:
        message = str(e)
        raise RloptError(message if message.startswith(f"{name}:") else f"{name}: {message}") from None
    finally:
        backend.close()
    if not disable_output:
        ir.write_output(result, output)
    if print_passes:
        if stripped:
            click.echo("rlopt: note: the command below reproduces the output on the input without its optnone "
                       "attributes (--strip-optnone removed them first)", err=True)
        click.echo(replay_command(tc, pipeline or "verify", input_path, None if disable_output else output, text,
                                  (*options, *([f"-mtriple={mtriple}"] if mtriple else []))), err=True)


_PRINTER_PASS = re.compile(r"(?:^|[(,])(?:print|dot|view)[-<,()]|(?:^|[(,])print$")
_REPORTING_OPTIONS = ("-print-", "-pass-remarks", "-debug", "-view-", "-stats", "-time-")


def _reports(pipeline: str, options: tuple[str, ...]) -> bool:
    """Whether a run prints a report of its own on stderr (an analysis printer such as ``print<domtree>``,
    ``-print-after-all``, ``-pass-remarks=...``): the engine's worker keeps its stderr to itself."""
    return bool(_PRINTER_PASS.search(pipeline)) or any(o.startswith(_REPORTING_OPTIONS) for o in options)


def _level(levels: tuple[str, ...]) -> str | None:
    """The one ``-O`` level given (opt refuses several), as a key of ``passes.OPT_LEVELS`` or ``rl``."""
    if len(levels) > 1:
        raise click.UsageError("Cannot specify multiple -O#")
    if not levels:
        return None
    if levels[0] == "-rl":
        return "rl"
    if f"O{levels[0]}" not in passes.OPT_LEVELS:
        expected = ", ".join(f"-{name}" for name in passes.OPT_LEVELS)
        raise click.BadParameter(f"'-O{levels[0]}': expected {expected} or -O-rl", param_hint="-O")
    return f"O{levels[0]}"


def run_click(command: click.Command, args: list[str], prog: str) -> int:
    """Run a click command so that every error is one line on stderr and a non-zero exit, never a traceback
    (2 for usage errors, 130 when interrupted, 143 when terminated, 1 otherwise). Shared by ``rlopt`` and
    ``rlopt-train``."""
    handled = threading.current_thread() is threading.main_thread() and \
        signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    if handled:
        signal.signal(signal.SIGTERM, Terminated.handler)
    try:
        status = command.main(args=args, prog_name=prog, standalone_mode=False)
        if isinstance(status, int):  # click returns a ctx.exit(N) from inside the command instead of raising it
            return status
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        click.echo(f"{prog}: error: {e.format_message()}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo(f"{prog}: error: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 1
    except (RloptError, OSError) as e:
        click.echo(f"{prog}: error: {e}", err=True)
        return 1
    except Terminated:
        click.echo(f"{prog}: error: terminated", err=True)
        return 143
    finally:
        if handled:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return 0


def _reopen_closed_streams() -> None:
    """A standard stream the caller closed (``>&-``) is /dev/null for us, as for opt: Python leaves it None."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        if getattr(sys, name) is None:
            with contextlib.suppress(OSError):
                null = os.open(os.devnull, os.O_RDONLY if mode == "r" else os.O_WRONLY)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
                setattr(sys, name, open(fd, mode, closefd=False))  # noqa: SIM115


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``rlopt``; ``rlopt tune ...`` is the tuner (a file named ``tune`` is ``./tune``)."""
    _reopen_closed_streams()
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["tune"]:
        from rlopt.tune import command

        return run_click(command, args[1:], "rlopt tune")
    return run_click(_command, args, "rlopt")


if __name__ == "__main__":
    sys.exit(main())
