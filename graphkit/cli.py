"""The ``graphkit`` command line: a thin layer of commands over the library.

Exit codes: 0 success (or data conforms), 1 the data does not conform or a query failed
on the data, 2 a usage or input error (bad option, unreadable file, syntax error).
Errors are one readable line on stderr, with file, line and column where known.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, NoReturn, cast

from pydantic import ValidationError

from graphkit.errors import GraphkitError, InputError, UsageError
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.settings import Settings, load_settings
from graphkit.stores import QueryKind, Store, open_store

__all__ = ["main"]

Command = Callable[[argparse.Namespace, Settings], int]

#: Seconds ``graphkit serve`` keeps an idle HTTP connection open.
KEEP_ALIVE_SECONDS = 75


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed its one-line usage error
        return int(stop.code or 0)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        settings = load_settings(**_store_overrides(args))
        handler: Command = args.handler
        return handler(args, settings)
    except GraphkitError as error:
        print(f"graphkit {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except ValidationError as error:  # settings that do not validate
        print(f"graphkit {args.command}: error: {_settings_problems(error)}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"graphkit {args.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print(f"graphkit {args.command}: interrupted", file=sys.stderr)
        return 130


def _settings_problems(error: ValidationError) -> str:
    """The settings' problems on one line, each named by its environment variable."""
    problems = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]).upper()
        message = str(problem["msg"]).removeprefix("Value error, ")
        problems.append(f"GRAPHKIT_{name}: {message}" if name else message)
    return "; ".join(problems)


def _store_overrides(args: argparse.Namespace) -> dict[str, object]:
    overrides: dict[str, object] = {}
    if getattr(args, "store", None) is not None:
        overrides["store_path"] = args.store or None
    if getattr(args, "endpoint", None):
        overrides["endpoint"] = args.endpoint
    return overrides


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", metavar="PATH",
                       help="on-disk store directory (default: $GRAPHKIT_STORE_PATH or var/store)")
    where.add_argument("--endpoint", metavar="URL",
                       help="remote SPARQL endpoint instead of the embedded store")


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr (the usage is in ``--help``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="graphkit", description="OpenGov KG: load, query, export and serve the graph.",
        epilog="Exit codes: 0 ok, 1 failed on the data, 2 usage or input error.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    load = sub.add_parser("load", help="load RDF files into the store (all or nothing)")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument("--graph", metavar="IRI", help="named graph for triples (default graph "
                      "if omitted; TriG/N-Quads keep their own graphs)")
    load.add_argument("--format", type=RdfFormat.parse_name, metavar="FMT",
                      help="ttl, trig, nt, nq, jsonld or rdf (default: from the extension)")
    load.add_argument("--replace", action="store_true", help="replace the graph's content")
    _add_store_options(load)
    load.set_defaults(handler=_cmd_load)

    query = sub.add_parser("query", help="run a SPARQL query (text or file)")
    query.add_argument("query", metavar="QUERY|FILE", nargs="?")
    query.add_argument("--named", metavar="NAME", help="run sparql/NAME.rq (see /api/queries)")
    query.add_argument("--param", metavar="K=V", action="append", default=[],
                       help="a parameter of the named query (repeatable)")
    query.add_argument("--page", type=int, default=None, help="page of a paginated named query")
    query.add_argument("--format", default=None,
                       choices=["table", "json", "csv", "tsv", "xml", "ttl", "nt", "jsonld",
                                "rdf", "trig", "nq"],
                       help="output (default: table for SELECT/ASK, ttl for CONSTRUCT)")
    query.add_argument("--timeout", type=float, default=None, help="seconds")
    _add_store_options(query)
    query.set_defaults(handler=_cmd_query)

    export = sub.add_parser("export", help="write the whole graph (or one graph) as RDF")
    export.add_argument("--format", type=RdfFormat.parse_name, default=RdfFormat.N_QUADS,
                        metavar="FMT", help="nt, nq, ttl, trig, jsonld or rdf (default nq); triples "
                        "formats merge all graphs unless --graph is given")
    export.add_argument("--graph", metavar="IRI", help="only this named graph")
    export.add_argument("--gzip", action="store_true", help="gzip the output")
    export.add_argument("--out", type=Path, metavar="FILE", help="file (default: stdout)")
    _add_store_options(export)
    export.set_defaults(handler=_cmd_export)

    synth = sub.add_parser("synth", help="write a deterministic synthetic graph")
    synth.add_argument("--orgs", type=int, required=True, metavar="N")
    synth.add_argument("--seed", type=int, default=1, metavar="S")
    synth.add_argument("--out", type=Path, required=True, metavar="FILE",
                       help=".nt, .nq, .ttl (optionally .gz)")
    synth.set_defaults(handler=_cmd_synth)

    analyze = sub.add_parser("analyze", help="network measures, communities, paths, exports")
    from graphkit.analytics.command import add_arguments as add_analyze_arguments

    add_analyze_arguments(analyze)
    _add_store_options(analyze)
    analyze.set_defaults(handler=_cmd_analyze)

    docs = sub.add_parser("docs", help="write the ontology's HTML documentation (pyLODE)")
    docs.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help="where to write the pages (default: docs/ontology/ of the project)")
    docs.set_defaults(handler=_cmd_docs)

    for name, text in (("backup", "back the store up into DIR, online and consistent"),
                       ("restore", "make the store hold exactly what the backup in DIR holds")):
        command = sub.add_parser(name, help=text)
        command.add_argument("directory", type=Path, metavar="DIR")
        _add_store_options(command)
        command.set_defaults(handler=_cmd_backup if name == "backup" else _cmd_restore)

    validate = sub.add_parser("validate", help="check RDF files against the SHACL shapes")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument("--against-store", action="store_true",
                          help="join the files with the store's content (references resolve)")
    validate.add_argument("--format", choices=("text", "json", "turtle"), default="text")
    validate.add_argument("--engine", choices=("auto", "pyshacl", "sparql"), default="auto")
    _add_store_options(validate)
    validate.set_defaults(handler=_cmd_validate)

    imp = sub.add_parser("import", help="map a CSV template or Popolo JSON file to RDF")
    imp.add_argument("kind", choices=["csv", "popolo"])
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--template", help="CSV template name (default: from file name or header)")
    imp_to = imp.add_mutually_exclusive_group()
    imp_to.add_argument("--out", type=Path, metavar="FILE", help="write RDF (by extension)")
    imp_to.add_argument("--load", action="store_true",
                        help="validate against the store and store as a contribution")
    _add_store_options(imp)
    imp.set_defaults(handler=_cmd_import)

    serve = sub.add_parser("serve", help="serve the graph over HTTP")
    serve.add_argument("--host", default=None, help="default 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default 8000")
    serve.add_argument("--sync", action="store_true",
                       help="first load what changed in ontology/, shapes/ and data/")
    _add_store_options(serve)
    serve.set_defaults(handler=_cmd_serve)
    return parser


# -- commands ---------------------------------------------------------------------------
def _cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    from graphkit.load import load_files

    with open_store(settings) as store:
        before = {g.name: g.triples for g in store.graphs()}
        load_files(store, args.files, graph=args.graph, format=args.format,
                   replace=args.replace, show_progress=True)
        after = {g.name: g.triples for g in store.graphs()}
    for name, size in after.items():
        if before.get(name) != size:
            print(f"{name or 'default graph'}: {before.get(name, 0)} → {size} triples",
                  file=sys.stderr)
    return 0


def _read_query(text: str) -> str:
    candidate = Path(text)
    if len(text) < 4096 and "\n" not in text and candidate.suffix in (".rq", ".sparql"):
        if not candidate.is_file():
            raise InputError(f"{candidate}: no such query file")
        return candidate.read_text(encoding="utf-8")
    return text


def _cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    if (args.named is None) == (args.query is None):
        raise UsageError("give either a QUERY|FILE or --named NAME")
    if args.named is not None:
        from graphkit.named_queries import bound_named_query

        text = bound_named_query(settings.project_root / "sparql", args.named, args.param,
                                 page=args.page)
    else:
        text = _read_query(args.query)
    with open_store(settings) as store:
        _print_answer(store, text, args.format, args.timeout)
    return 0


def _print_answer(store: Store, query: str, fmt: str | None, timeout: float | None) -> None:
    from graphkit.sparql_text import declared_prefixes
    from graphkit.tables import format_table, term_text

    result = store.query(query, timeout=timeout)
    out = sys.stdout.buffer
    if result.kind is QueryKind.GRAPH:
        rdf = RdfFormat.parse_name(fmt or "ttl") if fmt != "table" else RdfFormat.TURTLE
        result.serialize(out, rdf, prefixes=declared_prefixes(query))
    elif fmt in (None, "table"):
        if result.kind is QueryKind.ASK:
            print("yes" if result.boolean else "no")
        else:
            rows = ([term_text(row.get(v)) for v in result.variables]
                    for row in result.rows())
            print(format_table(result.variables, rows))
    else:
        names = {"json": ResultFormat.JSON, "xml": ResultFormat.XML, "csv": ResultFormat.CSV,
                 "tsv": ResultFormat.TSV}
        if fmt not in names:
            raise UsageError(f"--format {fmt} is for CONSTRUCT/DESCRIBE; a "
                             f"{result.kind.value.upper()} answer takes table, json, xml, "
                             "csv or tsv")
        result.serialize(out, names[fmt])
    out.flush()


def _cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    fmt: RdfFormat = args.format
    with open_store(settings) as store:
        if args.out is None:
            sink = sys.stdout.buffer
            _export_to(store, sink, fmt, args.graph, args.gzip)
            sink.flush()
            return 0
        # write beside the target, then rename: a failed export leaves no half file
        args.out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=args.out.parent, prefix=".export-")
        try:
            with os.fdopen(handle, "wb") as sink:
                _export_to(store, sink, fmt, args.graph, args.gzip)
            os.replace(temporary, args.out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return 0


def _export_to(store: Store, sink: IO[bytes], fmt: RdfFormat, graph: str | None,
               compress: bool) -> None:
    if compress:
        with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=6) as zipped:
            # a binary file in all but name (typeshed: not an IO[bytes])
            store.dump(cast(IO[bytes], zipped), format=fmt, graph=graph)
    else:
        store.dump(sink, format=fmt, graph=graph)


def _cmd_synth(args: argparse.Namespace, settings: Settings) -> int:
    from graphkit.synth import write_synthetic

    if args.orgs < 1:
        raise UsageError("--orgs must be at least 1")
    count = write_synthetic(args.out, orgs=args.orgs, seed=args.seed)
    print(f"{args.out}: {count} triples", file=sys.stderr)
    return 0


def _cmd_analyze(args: argparse.Namespace, settings: Settings) -> int:
    from graphkit.analytics.command import run_analyze

    with open_store(settings) as store:
        return run_analyze(store, args, settings)


def _cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from graphkit.docs import write_docs

    out = args.out if args.out is not None else settings.project_root / "docs" / "ontology"
    report = write_docs(settings.project_root, out)
    for page in report.pages:
        print(page, file=sys.stderr)
    return 0


def _cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from graphkit.backup import backup

    with open_store(settings) as store:
        manifest = backup(store, args.directory)
    print(f"{args.directory}: {manifest.triples} triples in {len(manifest.graphs)} graphs "
          f"({manifest.kind.value})", file=sys.stderr)
    return 0


def _cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from graphkit.backup import restore

    manifest = restore(args.directory, settings)
    print(f"restored {manifest.triples} triples in {len(manifest.graphs)} graphs from "
          f"{args.directory}", file=sys.stderr)
    return 0


def _cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from graphkit.validation.command import OutputFormat, run_validate

    text, code = run_validate(args.files, settings=settings, against_store=args.against_store,
                              output=OutputFormat(args.format), engine=args.engine)
    sys.stdout.write(text)
    return code


def _cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from graphkit.importers.command import ImportKind, run_import

    stdout = None if args.out or args.load else sys.stdout.buffer
    outcome = run_import(ImportKind(args.kind), args.file, settings=settings, out=args.out,
                         load=args.load, stdout=stdout, template=args.template)
    for warning in outcome.result.warnings:
        print(f"graphkit import: warning: {warning}", file=sys.stderr)
    print(f"graphkit import: {outcome.describe()}", file=sys.stderr)
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve with uvicorn. graphkit never imports the service: uvicorn builds the app
    from ``service.app:app_from_environment``, with our options passed as settings."""
    import uvicorn

    if args.sync:
        from graphkit.load import sync_project

        with open_store(settings) as store:
            report = sync_project(store, settings)
        print(f"graphkit serve: {len(report.loaded)} graphs loaded, "
              f"{len(report.unchanged)} unchanged, {len(report.removed)} removed",
              file=sys.stderr)
    for name, value in _store_overrides(args).items():
        os.environ[f"GRAPHKIT_{name.upper()}"] = "" if value is None else str(value)
    uvicorn.run("service.app:app_from_environment", factory=True,
                host=args.host or settings.host, port=args.port or settings.port,
                log_level="info", access_log=False,  # the service logs each request itself
                # longer than clients and proxies keep an idle connection (httpx: 5 s, like
                # uvicorn's default): else the server may close one as a request goes out
                timeout_keep_alive=KEEP_ALIVE_SECONDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
