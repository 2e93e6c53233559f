// Copyright 2019 The Cockroach Authors.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or
// implied. See the License for the specific language governing
// permissions and limitations under the License.

package safedetails

import "github.com/cockroachdb/redact"

// Redact returns a redacted version of the supplied item that is safe to use in
// anonymized reporting.
//
// NB: this interface is obsolete. Use redact.Sprint() directly.
func Redact(r interface{}) string {
	return redact.Sprint(r).Redact().StripMarkers()
}
