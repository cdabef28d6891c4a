"""``rlopt``: an ``opt``-compatible command whose ``-O-rl`` pipeline is chosen by a learned policy.

Conventions follow ``opt``: positional input (``-`` is stdin, text or bitcode detected by content), ``-o``
(``-`` is stdout), ``-S`` for text, ``--passes=`` in LLVM's syntax, ``-O<n>``. Single-dash spellings of long
options (``-passes=``, ``-print-passes``) are accepted too, so ``opt`` command lines can be replayed.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

import click

from rlopt import __version__, ir, passes, toolchain
from rlopt.errors import RloptError

_LONG_SINGLE_DASH = ("passes", "actions", "print-passes", "llvm-bin", "timeout", "list-actions",
                     "strip-optnone", "model", "engine", "no-engine", "version", "help")
_O_LEVELS = {"0": "O0", "1": "O1", "2": "O2", "3": "O3", "s": "Os", "z": "Oz", "-rl": "rl"}


def _normalize_argv(argv: list[str]) -> list[str]:
    """Turn ``-passes=x`` into ``--passes=x`` (``opt`` spells long options with one dash)."""
    out = []
    for arg in argv:
        name = arg[1:].split("=", 1)[0]
        out.append("-" + arg if arg.startswith("-") and not arg.startswith("--") and name in _LONG_SINGLE_DASH
                   else arg)
    return out


def replay_command(tc: toolchain.Toolchain, pipeline: str, input_path: str, output: str, text: bool) -> str:
    """The plain ``opt`` command line that reproduces what rlopt did."""
    argv = [str(tc.path("opt")), f"-passes={pipeline}", input_path, "-o", output]
    if text:
        argv.insert(1, "-S")
    return shlex.join(argv)


def choose_pipeline(data: bytes, *, passes_opt: str | None, actions_opt: str | None, level: str | None,
                    model: str | None, tc: toolchain.Toolchain, timeout: float, engine: Any = None) -> str:
    """Turn the mutually exclusive pipeline options into one ``-passes=`` string ('' means no passes)."""
    given = [n for n, v in (("--passes", passes_opt), ("--actions", actions_opt), ("-O", level)) if v]
    if len(given) > 1:
        raise click.UsageError(f"cannot combine {' and '.join(given)}: pick one way to give the pipeline")
    if passes_opt:
        return passes_opt
    if actions_opt:
        try:
            return passes.pipeline(passes.parse_action_list(actions_opt))
        except (KeyError, ValueError) as e:
            raise click.UsageError(str(e).strip("'\"")) from None
    if level == "rl":
        from rlopt import policy  # imported lazily: loading onnxruntime costs ~100 ms

        return policy.choose_pipeline(data, model=model, toolchain=tc, timeout=timeout, engine=engine,
                                      use_engine=engine is not None)
    if level:
        return passes.OPT_LEVELS[level]
    return ""


def _warn(msg: str) -> None:
    click.echo(f"rlopt: warning: {msg}", err=True)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_path", metavar="INPUT", default="-")
@click.option("-o", "output", default="-", metavar="FILE", help="Output file ('-' for stdout, the default).")
@click.option("-S", "text", is_flag=True, help="Write IR text instead of bitcode.")
@click.option("-O", "level", metavar="LEVEL", default=None,
              help="Optimization level: 0, 1, 2, 3, s, z, or -rl (the learned policy: -O-rl).")
@click.option("--passes", "passes_opt", metavar="PIPELINE", help="An explicit pipeline in opt's syntax.")
@click.option("--actions", "actions_opt", metavar="LIST",
              help="A pipeline as action names, e.g. -sroa,-gvn,-instcombine (see --list-actions).")
@click.option("--model", metavar="NAME|PATH", envvar="RLOPT_MODEL", help="The policy for -O-rl [$RLOPT_MODEL].")
@click.option("--print-passes", is_flag=True,
              help="Print (on stderr) the opt command line that reproduces this result.")
@click.option("--strip-optnone", is_flag=True,
              help="Remove optnone/noinline from clang -O0 IR so that the passes can act on it.")
@click.option("--llvm-bin", metavar="DIR", help="LLVM 19 bin directory [$RLOPT_LLVM_BIN].")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True,
              help="Seconds allowed for each LLVM step.")
@click.option("--engine/--no-engine", default=True, show_default=True,
              help="Run passes in rlopt's in-process LLVM worker, or in an opt subprocess (the reference).")
@click.option("-f", "force", is_flag=True, help="Write bitcode to a terminal anyway.")
@click.option("--list-actions", is_flag=True, help="List the action space and exit.")
@click.version_option(__version__, "--version", prog_name="rlopt", message="%(prog)s %(version)s")
def _command(input_path: str, output: str, text: bool, level: str | None, passes_opt: str | None,
             actions_opt: str | None, model: str | None, print_passes: bool, strip_optnone: bool,
             llvm_bin: str | None, timeout: float, engine: bool, force: bool, list_actions: bool) -> None:
    """Optimize LLVM IR like opt; with -O-rl the pass pipeline comes from a learned policy."""
    if list_actions:
        for i, a in enumerate(passes.EXTENDED_ACTIONS_V1):
            click.echo(f"{i:3d}  {a.name:30s} {a.pipeline}")
        return
    if level is not None:
        if level not in _O_LEVELS:
            raise click.BadParameter(f"'-O{level}': expected -O0, -O1, -O2, -O3, -Os, -Oz or -O-rl",
                                     param_hint="-O")
        level = _O_LEVELS[level]
    if output == "-" and not text and not force and sys.stdout.isatty():
        raise click.UsageError("refusing to write bitcode to a terminal: use -S, -o FILE, or -f")

    tc = toolchain.find(llvm_bin)
    data = ir.read_input(input_path)
    name = "<stdin>" if input_path == "-" else input_path
    if not data.strip():
        raise RloptError(f"{name}: empty input")
    if not ir.is_bitcode(data):
        source = data.decode(errors="replace")
        optnone = ir.optnone_functions(source)
        if optnone and strip_optnone:
            data = ir.strip_optnone(source).encode()
        elif optnone and (level or passes_opt or actions_opt):
            shown = ", ".join(optnone[:5]) + (", ..." if len(optnone) > 5 else "")
            _warn(f"{name}: {len(optnone)} function(s) are optnone ({shown}); passes skip them. Emit IR with "
                  "'clang -O3 -Xclang -disable-llvm-passes -emit-llvm' or pass --strip-optnone")

    from rlopt.engine import engine_for

    worker = engine_for(tc, timeout) if engine else None  # one worker for the policy's steps and the result
    try:
        pipeline = choose_pipeline(data, passes_opt=passes_opt, actions_opt=actions_opt, level=level,
                                   model=model, tc=tc, timeout=timeout, engine=worker)
        result = _optimize(tc, data, pipeline, bitcode=not text, timeout=timeout, name=name, engine=worker)
    except RloptError as e:
        raise RloptError(f"{name}: {e}") from None
    finally:
        if worker is not None:
            worker.close()
    ir.write_output(result, output)
    if print_passes:
        click.echo(replay_command(tc, pipeline or "verify", input_path, output, text), err=True)


def _optimize(tc: toolchain.Toolchain, data: bytes, pipeline: str, *, bitcode: bool, timeout: float,
              name: str, engine: Any) -> bytes:
    """Run the pipeline and return verified IR: in the engine when there is one, else in an ``opt`` process."""
    if engine is not None:
        return engine.optimize(data, pipeline or "verify", bitcode=bitcode, name=name)
    return tc.opt(data, pipeline or "verify", bitcode=bitcode, timeout=timeout)


def run_click(command: click.Command, args: list[str], prog: str) -> int:
    """Run a click command so that every error is one line on stderr and a non-zero exit, never a traceback
    (2 for usage errors, 130 when interrupted, 1 otherwise). Shared by ``rlopt`` and ``rlopt-train``."""
    try:
        command.main(args=args, prog_name=prog, standalone_mode=False)
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
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``rlopt``."""
    return run_click(_command, _normalize_argv(sys.argv[1:] if argv is None else argv), "rlopt")


if __name__ == "__main__":
    sys.exit(main())
