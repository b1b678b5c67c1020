"""Table Order reference app (FastAPI).

Run from the release folder:
    uvicorn app.main:app --host 127.0.0.1 --port 8000

Runs on Debian 13 (trixie)'s packages: python3.13, FastAPI 0.115 / Starlette
0.46 / pydantic 2.10, uvicorn 0.32, SQLAlchemy 2.0, Alembic 1.13, psycopg2 2.9,
redis-py 6.
"""
import asyncio
import datetime
import json
import logging
import os
import signal
import threading
import time
from contextlib import asynccontextmanager
from typing import Any, Dict, Optional

import anyio
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from . import db as dbmod
from . import orders
from .channels import public_channel, staff_orders_channel, table_name, valid_name
from .events import EventBus, RedisNotConfigured, close_pubsub
from .models import Menu, MenuCategory, Store, Table
from .ordering import MAX_BODY_BYTES, OrderRejected, parse_order_request
from .security import (
    STAFF_COOKIE,
    health_for,
    staff_cookie_attributes,
    staff_session_ok,
    staff_session_value,
    staff_token_ok,
    table_key,
    table_key_ok,
    table_key_session,
)
from .settings import Settings, mask_url

VERSION = "1.0.0"
SERVICE = "tableorder-reference-app"

log = logging.getLogger("tableorder")


def _configure_logging() -> None:
    """Give the app's own loggers a stderr handler (uvicorn only configures its
    own); no propagation to root, so nothing is printed twice."""
    app_log = logging.getLogger("tableorder")
    if app_log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
    app_log.addHandler(handler)
    app_log.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    app_log.propagate = False


# Set when the server is asked to stop (SIGTERM/SIGINT). Uvicorn waits for
# open responses before it exits, and an event stream never ends by itself, so
# the streams watch this flag and close; EventSource then reconnects (retry:
# 3000) to the next process. Without it `systemctl stop` hangs until SIGKILL.
shutdown_requested = threading.Event()


def _watch_shutdown_signals() -> None:
    """Chain a flag-setting handler in front of the server's own handlers.

    Called at startup, after uvicorn installed its handlers (uvicorn 0.32 uses
    signal.signal inside Server.capture_signals and restores the original ones
    on exit); the previous handler is always called, so the server's shutdown
    works as before. Left alone when nobody handles the
    signal (default action) or when not in the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            previous = signal.getsignal(sig)
        except (ValueError, OSError):
            continue
        if not callable(previous) or getattr(previous, "_tableorder_chained", False):
            continue

        def handler(signum, frame, _previous=previous):
            shutdown_requested.set()
            _previous(signum, frame)

        handler._tableorder_chained = True  # type: ignore[attr-defined]
        try:
            signal.signal(sig, handler)
        except (ValueError, OSError):
            pass


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    if isinstance(exc, asyncio.TimeoutError):
        text = "timed out"
    msg = "%s: %s" % (name, text) if text else name
    return msg[:300]


def _sse(event: Optional[str], data: str, event_id: Optional[str] = None) -> str:
    lines = []
    if event_id:
        lines.append("id: %s" % event_id)
    if event:
        lines.append("event: %s" % event)
    for line in (data.splitlines() or [""]):
        lines.append("data: %s" % line)
    return "\n".join(lines) + "\n\n"


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    _configure_logging()
    settings = settings or Settings.from_env()
    bus = EventBus(settings)

    async def _startup() -> None:
        shutdown_requested.clear()
        _watch_shutdown_signals()

    async def _shutdown() -> None:
        shutdown_requested.set()
        await bus.close()
        dbmod.dispose_engine()

    @asynccontextmanager
    async def lifespan(_app):
        await _startup()
        yield
        await _shutdown()

    kwargs = dict(
        title="Table Order reference app",
        version=VERSION,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    if settings.is_production:
        # No API map for strangers: docs, ReDoc and the OpenAPI JSON are off in production.
        kwargs.update(docs_url=None, redoc_url=None, openapi_url=None)
    app = FastAPI(**kwargs)
    app.state.settings = settings
    app.state.bus = bus

    log.info(
        "starting %s %s release=%s database=%s redis=%s s3_bucket=%s",
        SERVICE,
        VERSION,
        settings.release_id,
        mask_url(settings.database_url),
        mask_url(settings.redis_url),
        settings.s3_bucket or "<unset>",
    )

    def get_db():
        yield from dbmod.session_scope(settings)

    @app.exception_handler(SQLAlchemyError)
    async def _db_error(request: Request, exc: SQLAlchemyError):
        log.warning("database error on %s: %s", request.url.path, _short_error(exc))
        return JSONResponse({"detail": "database unavailable"}, status_code=503)

    @app.exception_handler(dbmod.DatabaseNotConfigured)
    async def _db_unconfigured(request: Request, exc: Exception):
        return JSONResponse({"detail": "database not configured (DATABASE_URL)"}, status_code=503)

    # ------------------------------------------------------------------ health

    @app.get("/api/health")
    async def health(request: Request):
        timeout = settings.health_timeout + 0.5

        async def check_db():
            return await asyncio.wait_for(
                run_in_threadpool(dbmod.check_database, settings), timeout=timeout
            )

        async def check_redis():
            await asyncio.wait_for(bus.ping(), timeout=timeout)

        db_result, redis_result = await asyncio.gather(
            check_db(), check_redis(), return_exceptions=True
        )
        body: Dict[str, Any] = {
            "status": "ok",
            "database": "ok",
            "redis": "ok",
            "release": settings.release_id,
            "revision": None,
        }
        errors: Dict[str, str] = {}
        if isinstance(db_result, BaseException):
            body["database"] = "error"
            errors["database"] = _short_error(db_result)
        else:
            body["revision"] = db_result
        if isinstance(redis_result, BaseException):
            body["redis"] = "error"
            errors["redis"] = _short_error(redis_result)
        client_host = request.client.host if request.client else None
        if errors:
            body["status"] = "degraded"
            body["failing"] = sorted(errors)
            body["errors"] = errors
            log.warning("health check failing: %s", errors)
            return JSONResponse(health_for(client_host, body), status_code=503, headers={"Cache-Control": "no-store"})
        return JSONResponse(health_for(client_host, body), headers={"Cache-Control": "no-store"})

    @app.get("/api/info")
    async def info():
        return {
            "service": SERVICE,
            "version": VERSION,
            "release": settings.release_id,
            "s3_bucket": settings.s3_bucket,
            "s3_region": settings.s3_region,
        }

    # ------------------------------------------------------------------ reads

    def _store_or_404(session: Session, store_id: int) -> Store:
        store = session.get(Store, store_id)
        if store is None:
            raise HTTPException(status_code=404, detail="store not found")
        return store

    def _store_dict(store: Store) -> Dict[str, Any]:
        return {
            "id": store.id,
            "code": store.code,
            "name": store.name,
            "address": store.address,
            "phone": store.phone,
            "timezone": store.timezone,
            "is_active": store.is_active,
        }

    @app.get("/api/stores")
    def list_stores(session: Session = Depends(get_db)):
        stores = session.execute(select(Store).order_by(Store.id)).scalars().all()
        return [_store_dict(s) for s in stores]

    @app.get("/api/stores/{store_id}")
    def get_store(store_id: int, session: Session = Depends(get_db)):
        return _store_dict(_store_or_404(session, store_id))

    @app.get("/api/stores/{store_id}/tables")
    def list_tables(store_id: int, session: Session = Depends(get_db)):
        _store_or_404(session, store_id)
        tables = (
            session.execute(
                select(Table).where(Table.store_id == store_id).order_by(Table.table_number)
            )
            .scalars()
            .all()
        )
        return [
            {
                "id": t.id,
                "table_number": t.table_number,
                "label": t.label,
                "seats": t.seats,
                "is_active": t.is_active,
            }
            for t in tables
        ]

    @app.get("/api/stores/{store_id}/menus")
    def list_menus(store_id: int, session: Session = Depends(get_db)):
        _store_or_404(session, store_id)
        categories = (
            session.execute(
                select(MenuCategory)
                .where(MenuCategory.store_id == store_id, MenuCategory.is_active.is_(True))
                .order_by(MenuCategory.sort_order, MenuCategory.id)
            )
            .scalars()
            .all()
        )
        menus = (
            session.execute(
                select(Menu)
                .where(Menu.store_id == store_id)
                .order_by(Menu.sort_order, Menu.id)
            )
            .scalars()
            .all()
        )
        by_category: Dict[int, list] = {}
        for m in menus:
            by_category.setdefault(m.category_id, []).append(
                {
                    "id": m.id,
                    "name": m.name,
                    "description": m.description,
                    "price": m.price,
                    "is_available": m.is_available,
                    "sort_order": m.sort_order,
                    "image_key": m.image_key,
                    "image_url": settings.image_url(m.image_key),
                }
            )
        return {
            "store_id": store_id,
            "categories": [
                {
                    "id": c.id,
                    "name": c.name,
                    "sort_order": c.sort_order,
                    "menus": by_category.get(c.id, []),
                }
                for c in categories
            ],
        }

    # ------------------------------------------------------------------ staff

    def _require_staff(request: Request, allow_session: bool = False) -> None:
        """The staff token as a bearer token; where a browser's EventSource reads, also the staff session cookie."""
        if staff_token_ok(request.headers.get("authorization"), settings.staff_token):
            return
        if allow_session and staff_session_ok(request.cookies.get(STAFF_COOKIE), settings.staff_token, time.time()):
            return
        raise HTTPException(
            status_code=401,
            detail="staff only: Authorization: Bearer <staff token>"
            + (" or the staff session (POST /api/staff/session)" if allow_session else ""),
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.post("/api/staff/session", status_code=204)
    async def start_staff_session(request: Request):
        """Trades the bearer token for the staff session cookie that the staff stream (EventSource) reads."""
        _require_staff(request)
        response = Response(status_code=204)
        response.set_cookie(
            STAFF_COOKIE,
            staff_session_value(settings.staff_token, time.time()),
            **staff_cookie_attributes(https=request.url.scheme == "https"),
        )
        return response

    @app.delete("/api/staff/session", status_code=204)
    async def end_staff_session(request: Request):
        response = Response(status_code=204)
        attributes = staff_cookie_attributes(https=request.url.scheme == "https")
        response.delete_cookie(
            STAFF_COOKIE,
            path=attributes["path"],
            secure=attributes["secure"],
            httponly=True,
            samesite=attributes["samesite"],
        )
        return response

    # ------------------------------------------------------------------ orders

    async def _json_body(request: Request) -> Any:
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise HTTPException(status_code=413, detail="the body must be at most %d bytes" % MAX_BODY_BYTES)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HTTPException(status_code=400, detail="body must be JSON")

    async def _in_database(work, *args):
        """One transaction on a session of its own, in a worker thread; a rejected order is its HTTP answer."""

        def run():
            session = dbmod.new_session(settings)
            try:
                return work(session, *args)
            finally:
                session.close()

        try:
            return await run_in_threadpool(run)
        except OrderRejected as rejected:
            raise HTTPException(status_code=rejected.status, detail=rejected.detail)

    def _table_key(record) -> Optional[str]:
        return table_key(settings.staff_token, record.store_id, record.table_id, record.session_id)

    async def _notify(record, payload: Dict[str, Any]) -> None:
        """The store's staff and the order's table (its key's channel). The order is stored already:
        a Redis failure is logged, and the staff list and the table's reads still show it."""
        targets = [staff_orders_channel(record.store_id)]
        key = _table_key(record)
        if key:
            targets.append(public_channel(table_name(key)))
        for target in targets:
            try:
                await bus.publish(target, payload)
            except Exception as exc:
                log.warning("%s of order %s not published to %s: %s", payload.get("type"), record.view.get("id"), target, _short_error(exc))

    @app.post("/api/stores/{store_id}/orders", status_code=201)
    async def place_order(store_id: int, request: Request):
        """A table orders (no token): validated, stored in one transaction, and staff are told."""
        try:
            order_request = parse_order_request(await _json_body(request))
        except OrderRejected as rejected:
            raise HTTPException(status_code=rejected.status, detail=rejected.detail)
        record = await _in_database(orders.place_order, store_id, order_request, datetime.datetime.now(datetime.timezone.utc))
        log.info("order %s placed at store %d table %d", record.view["order_number"], store_id, order_request.table_number)
        await _notify(record, {"type": "order.created", "order": record.view})
        key = _table_key(record)
        return {
            "order": record.view,
            "table_key": key,
            "events": "/api/events/" + table_name(key) if key else None,
        }

    @app.get("/api/table-orders/{key}")
    async def table_orders(key: str):
        """The orders of the table session a key names (only its table has the key)."""
        session_id = table_key_session(key)
        record = await _in_database(orders.table_session_orders, session_id) if session_id else None
        if record is None or not table_key_ok(key, settings.staff_token, record.store_id, record.table_id, record.session_id):
            raise HTTPException(status_code=404, detail="no orders for this table key")
        return record.view

    @app.get("/api/stores/{store_id}/orders")
    async def list_open_orders(store_id: int, request: Request):
        _require_staff(request, allow_session=True)
        found = await _in_database(orders.open_orders, store_id)
        if found is None:
            raise HTTPException(status_code=404, detail="store not found")
        return {"store_id": store_id, "orders": found}

    @app.post("/api/orders/{order_id}/status")
    async def move_order(order_id: int, request: Request):
        _require_staff(request)
        body = await _json_body(request)
        target = body.get("status") if isinstance(body, dict) else None
        record = await _in_database(orders.change_status, order_id, target)
        log.info("order %s is %s", record.view["order_number"], record.view["status"])
        await _notify(record, {"type": "order.status", "order": record.view})
        return {"order": record.view}

    @app.delete("/api/orders/{order_id}")
    async def remove_order(order_id: int, request: Request):
        """Removes an order (the smoke check's clean-up); staff only."""
        _require_staff(request)
        record = await _in_database(orders.delete_order, order_id)
        log.info("order %s removed", record.view["order_number"])
        await _notify(record, {"type": "order.deleted", "order": record.view})
        return {"deleted": record.view}

    # ------------------------------------------------------------------ events

    def _check_channel(channel: str) -> None:
        if not valid_name(channel):
            raise HTTPException(
                status_code=400,
                detail="invalid channel name (letters, digits, _ . : - ; max 100)",
            )

    async def _event_stream(request: Request, name: str) -> StreamingResponse:
        try:
            pubsub = await bus.subscribe(name)
        except RedisNotConfigured:
            raise HTTPException(status_code=503, detail="redis not configured (REDIS_URL)")
        except Exception as exc:
            log.warning("subscribe to %s failed: %s", name, _short_error(exc))
            raise HTTPException(status_code=503, detail="redis unavailable")

        keepalive = max(1.0, settings.sse_keepalive_seconds)
        state = {"closed": False}

        async def cleanup() -> None:
            if state["closed"]:
                return
            state["closed"] = True
            # Shielded: this also runs while the response task is being cancelled.
            with anyio.CancelScope(shield=True):
                await close_pubsub(pubsub)
            log.info("SSE client left %s", name)

        async def stream():
            try:
                log.info("SSE client joined %s", name)
                yield ": subscribed to %s\nretry: 3000\n\n" % name
                yield _sse("ready", json.dumps({"channel": name}))
                last_sent = time.monotonic()
                while not state["closed"]:
                    if shutdown_requested.is_set():
                        yield ": server restarting\n\n"
                        break
                    if await request.is_disconnected():
                        break
                    try:
                        msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    except Exception as exc:  # redis went away mid-stream
                        log.warning("SSE %s lost redis: %s", name, _short_error(exc))
                        yield _sse("stream-error", json.dumps({"error": "redis connection lost"}))
                        break
                    now = time.monotonic()
                    if msg and msg.get("type") == "message":
                        data = msg.get("data")
                        if isinstance(data, bytes):
                            data = data.decode("utf-8", "replace")
                        yield _sse("message", str(data))
                        last_sent = now
                    elif now - last_sent >= keepalive:
                        yield ": keepalive %d\n\n" % int(time.time())
                        last_sent = now
            finally:
                await cleanup()

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={
                "Cache-Control": "no-cache, no-transform",
                "X-Accel-Buffering": "no",
            },
            background=BackgroundTask(cleanup),
        )

    @app.post("/api/events/{channel}")
    async def publish_event(channel: str, request: Request):
        _require_staff(request)
        _check_channel(channel)
        raw = await request.body()
        if not raw.strip():
            raise HTTPException(status_code=400, detail="body must be JSON")
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HTTPException(status_code=400, detail="body must be JSON")
        try:
            receivers = await bus.publish(public_channel(channel), payload)
        except RedisNotConfigured:
            raise HTTPException(status_code=503, detail="redis not configured (REDIS_URL)")
        except Exception as exc:
            log.warning("publish to %s failed: %s", public_channel(channel), _short_error(exc))
            raise HTTPException(status_code=503, detail="redis unavailable")
        return {"receivers": receivers}

    @app.get("/api/events/staff/stores/{store_id}")
    async def stream_staff_orders(store_id: int, request: Request):
        """The store's orders as they come and change: staff only (session cookie or bearer token)."""
        _require_staff(request, allow_session=True)
        return await _event_stream(request, staff_orders_channel(store_id))

    @app.get("/api/events/{channel}")
    async def stream_events(channel: str, request: Request):
        """Open: only ever the ``tableorder:`` channels, never the staff ones."""
        _check_channel(channel)
        return await _event_stream(request, public_channel(channel))

    # ------------------------------------------------------------------ UI (local only)

    if os.environ.get("SERVE_UI", "").strip().lower() in ("1", "true", "yes"):
        # In production nginx serves ui/; this is for running locally.
        from fastapi.responses import RedirectResponse
        from fastapi.staticfiles import StaticFiles

        @app.get("/admin", include_in_schema=False)
        async def _admin_slash():
            return RedirectResponse("/admin/")

        @app.get("/superadmin", include_in_schema=False)
        async def _superadmin_slash():
            return RedirectResponse("/superadmin/")

        ui = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ui")
        app.mount("/admin", StaticFiles(directory=os.path.join(ui, "admin"), html=True), name="ui-admin")
        app.mount(
            "/superadmin",
            StaticFiles(directory=os.path.join(ui, "superadmin"), html=True),
            name="ui-superadmin",
        )
        app.mount("/", StaticFiles(directory=os.path.join(ui, "customer"), html=True), name="ui-customer")

    return app


app = create_app()
