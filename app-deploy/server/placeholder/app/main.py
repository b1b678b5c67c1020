"""Placeholder installed by app-deploy/bootstrap.sh until the first release is activated."""
from fastapi import FastAPI

app = FastAPI(title="TableOrder placeholder", docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/api/health")
def health() -> dict:
    return {"status": "placeholder"}
