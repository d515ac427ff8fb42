from chirp.cli import app

app()
