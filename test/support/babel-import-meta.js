/**
 * Babel plugin for Jest only: Nest 12 is published as ES modules using `import.meta.url` and
 * `import.meta.resolve` and `import()`, which do not exist once Jest compiles those modules to CommonJS.
 * Rewrites them to their CommonJS equivalents.
 */
module.exports = function importMetaToCommonJs({ types: t, template }) {
  const url = template.expression.ast`'file://' + encodeURI(__filename)`;
  return {
    name: 'herald-import-meta-to-cjs',
    visitor: {
      Program(path) {
        // `const require = createRequire(import.meta.url)` would shadow the CommonJS require.
        if (path.scope.hasOwnBinding('require')) path.scope.rename('require', '_esmRequire');
      },
      // Jest without --experimental-vm-modules cannot run import(); load through require instead.
      CallExpression(path) {
        if (!t.isImport(path.node.callee)) return;
        const [specifier] = path.node.arguments;
        path.replaceWith(template.expression.ast`Promise.resolve().then(() => require(${specifier}))`);
      },
      MemberExpression(path) {
        const { object, property } = path.node;
        if (!t.isMetaProperty(object) || object.meta.name !== 'import') return;
        if (t.isIdentifier(property, { name: 'url' })) path.replaceWith(t.cloneNode(url));
        else if (t.isIdentifier(property, { name: 'resolve' })) path.replaceWith(template.expression.ast`require.resolve`);
        else if (t.isIdentifier(property, { name: 'filename' })) path.replaceWith(t.identifier('__filename'));
        else if (t.isIdentifier(property, { name: 'dirname' })) path.replaceWith(t.identifier('__dirname'));
      },
    },
  };
};
