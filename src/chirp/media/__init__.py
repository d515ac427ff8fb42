"""Media: uploads, image processing in worker processes, content-addressed storage, serving."""
