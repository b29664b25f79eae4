// Validates CycloneDX 1.5 JSON documents against the specification's JSON
// schema, strictly (nothing outside the schema), with the schema and validator
// of the CycloneDX project's own JavaScript library (tests/sbom/package.json
// pins it; scripts/install-deps.sh installs it).
// Usage: NODE_PATH=<dir>/node_modules node validate.cjs FILE...
'use strict'
const fs = require('fs')
const CDX = require('@cyclonedx/cyclonedx-library')

async function main () {
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot5)
  let invalid = 0
  for (const file of process.argv.slice(2)) {
    const errors = await validator.validate(fs.readFileSync(file, 'utf8'))
    if (errors === null) {
      console.log(`valid CycloneDX 1.5: ${file}`)
    } else {
      invalid++
      console.log(`INVALID: ${file}: ${JSON.stringify(errors)}`)
    }
  }
  process.exit(invalid === 0 ? 0 : 1)
}

main().catch((error) => {
  console.error(error)
  process.exit(2)
})
