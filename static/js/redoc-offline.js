// ReDoc's sidebar always asks cdn.redoc.ly for its logo; the portal loads nothing from another
// host (its content security policy refuses it). Hand ReDoc an empty image instead.
(function () {
  "use strict";
  var REMOTE = "https://cdn.redoc.ly/";
  var EMPTY = "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E";
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this.tagName === "IMG" && name === "src" && String(value).indexOf(REMOTE) === 0) {
      value = EMPTY;
    }
    return setAttribute.call(this, name, value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, String(value).indexOf(REMOTE) === 0 ? EMPTY : value);
    },
  });
})();
