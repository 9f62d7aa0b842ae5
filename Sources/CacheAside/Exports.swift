// The wire types are part of this module's API: `import CacheAside` is enough to use them.
@_exported import CacheAdminAPI
