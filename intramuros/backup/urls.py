app_name = "backup"
urlpatterns: list = []
