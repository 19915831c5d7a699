from lms_module import create_app

app = create_app()
