from rest_framework import generics

from .serializers import MeSerializer


class MeApi(generics.RetrieveUpdateAPIView):
    """The signed-in user: role, company, language (writable: name, language, phone)."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user
