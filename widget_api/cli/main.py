"""The `widget-api` group: each command family lives in its own module and is added here.

Nothing imports this module but the entry point (`widget_api.cli:main`) and `python -m
widget_api.cli`, so the command modules never import back into it.
"""

from __future__ import annotations

import click

from .. import settings
from . import faq, ops, privacy, queue, staff
from .common import load_config


@click.group()
@click.version_option(package_name="widget-api")
def main() -> None:
    """Self-hosted customer-support widget: FAQ answers, a human queue, no third parties."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, help="Port of the service.")
@click.option("--demo-port", default=5001, show_default=True, help="Port of the demo shop page.")
def demo(host: str, port: int, demo_port: int) -> None:
    """Run the service and a demo shop page that embeds the widget (development only)."""
    from .. import create_app
    from ..server import request_log
    from ..server.demo import create_demo_app, serve_in_thread

    api_origin = f"http://{host}:{port}"
    demo_origins = [f"http://{host}:{demo_port}", f"http://localhost:{demo_port}"]
    config = load_config()
    # Plain HTTP on 127.0.0.1: the staff cookie cannot be Secure-only here.
    app = create_app(
        {"ALLOWED_ORIGINS": [*config["ALLOWED_ORIGINS"], *demo_origins], "SECURE_COOKIES": False}
    )
    request_log.log_to_console()
    shop = serve_in_thread(create_demo_app(f"{api_origin}/widget.js"), host, demo_port)
    click.echo(f"Service:   {api_origin}/   (health: {api_origin}/api/v1/health)")
    click.echo(f"Staff:     {api_origin}/staff/")
    click.echo(f"Demo shop: {shop.url}/   (German: {shop.url}/?lang=de)")
    click.echo("Press Ctrl+C to stop.")
    try:
        app.run(host=host, port=port, debug=False, use_reloader=False)
    finally:
        shop.stop()


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the configuration reference.")
@click.option("--sources", "with_sources", is_flag=True, help="Say where each value came from.")
def settings_command(markdown: bool, with_sources: bool) -> None:
    """Show the settings in effect, secrets masked (or the reference, with --markdown)."""
    from ..settings_view import shown_settings

    if markdown:
        click.echo(settings.configuration_markdown(), nl=False)
        return
    sources: dict[str, str] = {}
    for shown in shown_settings(load_config(sources), sources):
        line = f"{shown.name} = {shown.value!r}"
        click.echo(f"{line}  # {shown.source}" if with_sources else line)


for command in (
    staff.staff,
    queue.queue,
    faq.faq,
    ops.serve,
    ops.backup,
    ops.restore,
    ops.outbox_group,
    ops.health,
    privacy.purge_command,
    privacy.gdpr_group,
    privacy.audit_command,
):
    main.add_command(command)
