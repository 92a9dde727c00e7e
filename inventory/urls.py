from .views import flags, reports, stock

app_name = "inventory"

urlpatterns = [*stock.urlpatterns, *reports.urlpatterns, *flags.urlpatterns]
