"""`kfix pull`: policies from git, archives, URLs and OCI registries into a directory, as
`conftest pull` downloads them; and --update, which does the same before a run."""

from __future__ import annotations

import click

from kfix.cli import options


@click.command("pull")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@options.pull_directory
def pull_command(urls: tuple[str, ...], directory: str) -> None:
    """Download policies into a directory, as `conftest pull` does.

    Each URL is a `git::` URL (`git::https://host/repo.git//subdir?ref=v1.2`), an
    `https://`, `http://` or `file://` URL of an archive (.tar.gz, .tgz, .zip, ...,
    unpacked) or of one file, optionally `?checksum=sha256:HEX`, a local path, or
    `oci://registry/repository:tag`. The files of each are copied into the
    directory; a file there with other content is an error and nothing is written
    (`kfix scan --update URL` replaces such files).

    Exit codes: 0 pulled; 2 a source that cannot be fetched, a checksum mismatch, a
    refused archive, a file that would be overwritten; 130 interrupted.
    """
    from kfix.pack.pull import install

    for path in install(urls, directory):
        click.echo(f"pulled {path}")


def update(urls: tuple[str, ...], policy_paths: tuple[str, ...]) -> tuple[str, ...]:
    """--update: download into the first policy path (./policy without one), which is
    then read; the policy paths to use."""
    from kfix.pack.pull import install

    if not urls:
        return policy_paths
    paths = policy_paths or (options.PULL_DIRECTORY,)
    for path in install(urls, paths[0], overwrite=True):
        click.echo(f"kfix: updated {path}", err=True)
    return paths
