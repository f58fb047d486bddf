import 'reflect-metadata';
import { IsInt, IsString, MaxLength, validate, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache';

class Inner {
  @IsInt() n!: number;
}
class Outer {
  @IsString() @MaxLength(3) name!: string;
  @ValidateNested() @Type(() => Inner) inner!: Inner;
}
class Child extends Outer {
  @IsString() extra!: string;
}

describe('cacheValidationMetadata', () => {
  beforeAll(() => cacheValidationMetadata());

  const problems = async (o: object) => (await validate(o)).map((e) => e.property).sort();

  it('validates exactly as before: own, nested and inherited rules', async () => {
    expect(await problems(Object.assign(new Outer(), { name: 'toolong', inner: Object.assign(new Inner(), { n: 1.5 }) }))).toEqual(['inner', 'name']);
    expect(await problems(Object.assign(new Outer(), { name: 'ok', inner: Object.assign(new Inner(), { n: 1 }) }))).toEqual([]);
    expect(await problems(Object.assign(new Child(), { name: 'ok', inner: Object.assign(new Inner(), { n: 1 }) }))).toEqual(['extra']);
  });

  it('answers the same array for the same question, and a fresh one once metadata is added', () => {
    const storage = getMetadataStorage();
    const first = storage.getTargetValidationMetadatas(Outer, '', false, false);
    expect(storage.getTargetValidationMetadatas(Outer, '', false, false)).toBe(first);
    class Later {
      @IsString() late!: string;
    }
    expect(storage.getTargetValidationMetadatas(Later, '', false, false).map((m) => m.propertyName)).toEqual(['late']);
    expect(storage.getTargetValidationMetadatas(Outer, '', false, false)).not.toBe(first);
    expect(storage.getTargetValidationMetadatas(Outer, '', false, false)).toEqual(first);
  });

  it('a class declared after the first validations is validated by its own rules', async () => {
    await problems(Object.assign(new Outer(), { name: 'ok', inner: Object.assign(new Inner(), { n: 1 }) }));
    class Late {
      @MaxLength(2) code!: string;
    }
    expect(await problems(Object.assign(new Late(), { code: 'abc' }))).toEqual(['code']);
  });
});
