from . import flags, reports, stock

urlpatterns = [*reports.urlpatterns, *stock.urlpatterns, *flags.urlpatterns]
